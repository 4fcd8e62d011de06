"""What the board's answers carry for keyboard users and for browsers without JavaScript: which
control takes focus after a swap, and pages that move on by themselves."""

from __future__ import annotations

import re

import pytest
import responses
from django.urls import reverse

from boards.models import Widget
from boards.services import widget_create
from integrations.models import Delivery
from integrations.services.delivery_send import delivery_execute
from tests.boards.conftest import ENDPOINT, add_action

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
REFRESH = '<meta http-equiv="refresh" content="2">'


@pytest.fixture
def receiver(public_dns):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def autofocused(html: str) -> list[str]:
    """The id or test id of every element drawn with autofocus."""
    return [
        (re.search(r'\bid="([^"]+)"', tag) or re.search(r'data-testid="([^"]+)"', tag)).group(1)
        for tag in re.findall(r"<[a-z]+\b[^>]*\bautofocus\b[^>]*>", html)
    ]


def post(world, name: str, widget: Widget, data=None, persona: str = "victor"):
    url = reverse(name, args=[widget.board_id, widget.pk])
    return world.client_for(persona).post(url, data or {}, headers=HTMX).content.decode()


def get(world, name: str, widget: Widget, persona: str = "victor"):
    url = reverse(name, args=[widget.board_id, widget.pk])
    return world.client_for(persona).get(url, headers=HTMX).content.decode()


def board_html(world, persona: str = "victor") -> str:
    url = reverse("boards:detail", args=[world.sales_board.pk])
    return world.client_for(persona).get(url).content.decode()


def confirming(world, connection) -> Widget:
    return add_action(
        world.sales_board,
        connection,
        button_label="Refresh forecast",
        confirm_before_sending=True,
        confirmation_message="Run the forecast now?",
    )


def test_it_draws_the_board_without_taking_focus(world, action_widget):
    assert autofocused(board_html(world)) == []


def test_it_focuses_send_when_the_confirmation_appears(world, connection):
    widget = confirming(world, connection)
    html = get(world, "boards:widget_confirm", widget)
    assert autofocused(html) == ["confirm-send"]


def test_it_gives_cancel_the_action_buttons_id_so_focus_returns_to_it(world, connection):
    widget = confirming(world, connection)
    button_id = f"widget-{widget.pk}-button"
    confirmation = get(world, "boards:widget_confirm", widget)
    assert re.search(rf'id="{button_id}"[^>]*data-testid="confirm-cancel"', confirmation)
    at_rest = get(world, "boards:widget_action", widget)
    assert re.search(rf'id="{button_id}"[^>]*data-testid="action-button"', at_rest)
    # Coming back from Cancel, focus follows the id; nothing is taken by autofocus.
    assert autofocused(at_rest) == []


def test_it_focuses_the_action_button_when_the_outcome_answers_the_click(
    world, action_widget, receiver
):
    receiver.post(ENDPOINT)
    html = post(world, "boards:widget_click", action_widget)
    assert ">Sent</p>" in html
    assert autofocused(html) == [f"widget-{action_widget.pk}-button"]


def test_it_keeps_sending_focusable_and_lets_only_the_click_take_focus(
    queued_tasks, world, action_widget, receiver, settings
):
    receiver.post(ENDPOINT)
    clicked = post(world, "boards:widget_click", action_widget)
    button_id = f"widget-{action_widget.pk}-button"
    assert re.search(
        rf'id="{button_id}" aria-disabled="true"[^>]*> Waiting to send…',
        clicked.replace('<span class="spinner" aria-hidden="true"></span>', ""),
    )
    assert autofocused(clicked) == [button_id]

    delivery = Delivery.objects.get()
    status_url = reverse(
        "boards:widget_delivery", args=[world.sales_board.pk, action_widget.pk, delivery.pk]
    )
    client = world.client_for("victor")
    # Polls never take focus: whoever moved on meanwhile keeps their place.
    assert autofocused(client.get(status_url, headers=HTMX).content.decode()) == []
    delivery_execute(delivery_id=delivery.pk)
    done = client.get(status_url, headers=HTMX).content.decode()
    assert ">Sent</p>" in done
    assert autofocused(done) == []
    assert f'id="{button_id}"' in done


def test_it_focuses_a_refused_click_and_keeps_it_focusable(world, connection, action_widget):
    connection.enabled = False
    connection.save()
    html = post(world, "boards:widget_click", action_widget)
    button_id = f"widget-{action_widget.pk}-button"
    assert "its connection is disabled" in html
    assert re.search(
        rf'<button type="button" class="btn" id="{button_id}" aria-disabled="true"', html
    )
    assert autofocused(html) == [button_id]


@pytest.mark.parametrize(
    ("step", "focused"),
    [
        ("narrower", None),  # 5 columns: Narrower still works and keeps focus by its id
        ("left", "remove"),  # at the left edge: Left comes back disabled, Remove takes focus
    ],
)
def test_it_hands_focus_on_when_a_step_reaches_its_limit(world, step, focused):
    widget = widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="one")
    widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="two")
    if step == "left":
        # One column in from the edge, so this step reaches it.
        post(world, "boards:widget_move", widget, {"step": "right"}, persona="erin")
    html = post(world, "boards:widget_move", widget, {"step": step}, persona="erin")
    expected = [f"widget-{widget.pk}-{focused}"] if focused else []
    assert autofocused(html) == expected


def test_it_names_the_field_that_opens_the_confirmation_page(world, connection):
    widget = confirming(world, connection)
    html = board_html(world)
    form = re.search(r'<form method="get" action="([^"]+)".*?</form>', html, flags=re.DOTALL)
    assert form.group(1) == reverse("boards:widget_confirm", args=[world.sales_board.pk, widget.pk])
    # A GET form without a named field would send the browser to ".../confirm/?".
    assert 'name="from" value="board"' in form.group(0)
    page = world.client_for("victor").get(form.group(1), {"from": "board"})
    assert "Run the forecast now?" in page.content.decode()


def test_it_reloads_the_no_javascript_delivery_page_until_the_outcome_is_known(
    queued_tasks, world, action_widget, receiver, settings
):
    receiver.post(ENDPOINT)
    client = world.client_for("victor")
    click_url = reverse("boards:widget_click", args=[world.sales_board.pk, action_widget.pk])
    status_url = client.post(click_url)["Location"]

    pending = client.get(status_url).content.decode()
    head = pending.split("</head>")[0]
    assert REFRESH in head
    # Not inside <noscript>: a button pressed before htmx bound it lands here with JavaScript on.
    assert f"<noscript>{REFRESH}" not in head
    assert "This page checks again every 2 seconds." in pending

    delivery_execute(delivery_id=Delivery.objects.get().pk)
    final = client.get(status_url).content.decode()
    assert ">Sent</p>" in final
    assert "http-equiv" not in final
