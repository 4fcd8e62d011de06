"""Clicking an Action button: what the receiving service gets, and what the person sees."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
import responses
from django.urls import reverse
from django.utils import timezone

from boards.models import Widget
from boards.services import widget_create
from integrations.models import Delivery
from integrations.selectors.deliveries import delivery_sending_dead_after
from integrations.services.delivery_send import delivery_execute
from tests.boards.conftest import (
    ENDPOINT,
    SECRET_BODY,
    SECRET_HEADER,
    add_action,
    board_stamp_on_page,
    delivery_for,
    live_check,
)

SERVICE_PROBLEM = (
    "The service reported a problem and may not have done its work. "
    "Try again in a few minutes or tell your workspace admin."
)
NO_ANSWER_IN_TIME = (
    "The service did not answer in time; it may still be working. "
    "Wait a few minutes before trying again, or tell your workspace admin."
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def receiver(public_dns):
    """A mocked receiving service; any request it was not told about fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def click(world, widget, persona="victor", htmx=True, **data):
    url = reverse("boards:widget_click", args=[widget.board_id, widget.pk])
    return world.client_for(persona).post(url, data, headers=HTMX if htmx else {})


def test_it_sends_the_configured_request_and_says_it_was_sent(world, action_widget, receiver):
    receiver.post(ENDPOINT, body="accepted: secret-looking body")
    response = click(world, action_widget)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="action-result">Sent</p>' in html
    assert not re.search(r"\b200\b|api\.example\.com", html.split('data-testid="action-result"')[1])
    assert len(receiver.calls) == 1
    sent = receiver.calls[0].request
    assert (sent.method, sent.body) == ("POST", SECRET_BODY.encode())
    assert sent.headers["Authorization"] == SECRET_HEADER
    # Viewers see the outcome, never the response body or a secret.
    assert "secret-looking body" not in html and SECRET_HEADER not in html
    assert "s3cret-body-value" not in html
    delivery = Delivery.objects.get()
    assert (delivery.outcome, delivery.user, delivery.widget_id) == (
        "succeeded",
        world.victor,
        action_widget.pk,
    )
    assert (delivery.board_id, delivery.widget_label) == (world.sales_board.pk, "Refresh forecast")


def test_it_answers_htmx_with_the_action_region_only(world, action_widget, receiver):
    receiver.post(ENDPOINT)
    html = click(world, action_widget).content.decode()
    # What goes inside the widget's action region, not the region or the page around it.
    assert f'id="widget-{action_widget.pk}-action"' not in html
    assert "<html" not in html and '"action-result">Sent</p>' in html
    # The button is back, ready for the next click.
    assert 'data-testid="action-button"' in html


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"status": 500, "body": "stack trace with secrets"}, SERVICE_PROBLEM),
        ({"status": 404}, SERVICE_PROBLEM),
        ({"body": requests.exceptions.ReadTimeout()}, NO_ANSWER_IN_TIME),
    ],
)
def test_it_says_what_went_wrong(world, action_widget, receiver, answer, words):
    receiver.post(ENDPOINT, **answer)
    html = click(world, action_widget).content.decode()
    assert f">{words}</p>" in html
    assert "stack trace" not in html
    assert len(receiver.calls) == 1


def test_it_blocks_a_host_that_now_resolves_to_a_private_address(
    world, action_widget, receiver, public_dns
):
    public_dns.table["api.example.com"] = ["127.0.0.1"]
    html = click(world, action_widget).content.decode()
    assert (
        ">Not sent: the connection&#x27;s address is not allowed. Tell your workspace admin.</p>"
        in html
    )
    assert len(receiver.calls) == 0
    assert Delivery.objects.get().outcome == "blocked"


def test_it_refuses_over_the_hourly_limit_and_says_when_to_try_again(
    world, action_widget, receiver, settings
):
    settings.OUTBOUND_CALLS_PER_HOUR = 1
    receiver.post(ENDPOINT)
    click(world, action_widget, "alice")
    html = click(world, action_widget, "victor").content.decode()
    assert re.search(
        r">Limit reached: 1 call an hour to this service"
        r" — next call possible at \d\d:\d\d [A-Z]+</p>",
        html,
    )
    assert len(receiver.calls) == 1
    assert Delivery.objects.filter(outcome="refused").count() == 1


def test_it_works_without_javascript(world, action_widget, receiver):
    receiver.post(ENDPOINT)
    response = click(world, action_widget, htmx=False)
    board_url = reverse("boards:detail", args=[world.sales_board.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{board_url}#widget-{action_widget.pk}"
    assert len(receiver.calls) == 1
    assert Delivery.objects.get().outcome == "succeeded"


def test_it_shows_the_outcome_on_the_board_after_a_plain_post(world, action_widget, receiver):
    receiver.post(ENDPOINT, status=500)
    client = world.client_for("victor")
    url = reverse("boards:widget_click", args=[world.sales_board.pk, action_widget.pk])
    html = client.post(url, follow=True).content.decode()
    assert f"Refresh forecast: {SERVICE_PROBLEM}" in html


def test_it_shows_a_working_state_and_the_open_board_gets_the_outcome(
    queued_tasks, world, action_widget, receiver, settings
):
    # As in production: the call runs on a worker after the request, so the click returns first.
    receiver.post(ENDPOINT)
    since = board_stamp_on_page(world.client_for("victor"), world.sales_board)
    opened = timezone.now()
    html = click(world, action_widget).content.decode()
    delivery = Delivery.objects.get()
    assert delivery.outcome == "pending"
    assert "Waiting to send…" in html and "disabled" in html
    assert "hx-trigger" not in html  # no poll of its own: the board's stream brings the outcome
    delivery_execute(delivery_id=delivery.pk)
    done = live_check(world.victor, world.sales_board, since, clicks_since=opened)
    assert ">Sent</p>" in done
    assert len(receiver.calls) == 1


def test_it_shows_a_pending_click_on_a_page_of_its_own_without_javascript(
    queued_tasks, world, action_widget, receiver, settings
):
    response = click(world, action_widget, htmx=False)
    delivery = Delivery.objects.get()
    status_url = reverse(
        "boards:widget_delivery", args=[world.sales_board.pk, action_widget.pk, delivery.pk]
    )
    assert response["Location"] == status_url
    page = world.client_for("victor").get(status_url).content.decode()
    assert "Waiting to send… the outcome appears here in a moment." in page


def test_it_stops_polling_a_click_whose_result_was_lost(world, action_widget):
    # Its worker died during the send, and no sweep has recorded it yet.
    started = timezone.now() - delivery_sending_dead_after() - timedelta(seconds=1)
    lost = delivery_for(
        action_widget,
        world.victor,
        state="sending",
        outcome="pending",
        detail="Sending…",
        http_status=None,
        finished_at=None,
        created_at=started,
        sending_started_at=started,
    )
    url = reverse("boards:widget_delivery", args=[world.sales_board.pk, action_widget.pk, lost.pk])
    client = world.client_for("victor")
    html = client.get(url, headers=HTMX).content.decode()
    assert ">No result recorded — the service may have received it</p>" in html
    assert "hx-trigger" not in html and "Sending…" not in html  # final: no more polling
    assert 'data-testid="action-button"' in html  # the button is back for another try
    page = client.get(url).content.decode()  # the page without JavaScript says the same
    assert "No result recorded — the service may have received it" in page
    assert "Sending…" not in page


def test_it_keeps_deliveries_to_the_person_who_clicked(world, action_widget):
    alices = delivery_for(action_widget, world.alice)
    url = reverse(
        "boards:widget_delivery", args=[world.sales_board.pk, action_widget.pk, alices.pk]
    )
    assert world.client_for("victor").get(url).status_code == 404
    assert world.client_for("alice").get(url).status_code == 200


def test_it_does_not_show_a_delivery_through_another_widget(world, action_widget, connection):
    other = add_action(world.sales_board, connection, button_label="Other")
    delivery = delivery_for(other, world.victor)
    url = reverse(
        "boards:widget_delivery", args=[world.sales_board.pk, action_widget.pk, delivery.pk]
    )
    assert world.client_for("victor").get(url).status_code == 404


@pytest.mark.parametrize(
    ("change", "words", "recorded"),
    [
        ("disable", "its connection is disabled.", "This connection is disabled"),
        ("delete", "its connection was removed.", "This connection was deleted"),
        (
            "unshare",
            "its connection is not shared with this application.",
            "This connection is not available to Sales Planning",
        ),
    ],
)
def test_it_refuses_an_unavailable_widget_records_each_click_and_sends_nothing(
    world, connection, action_widget, receiver, change, words, recorded
):
    receiver.post(ENDPOINT)
    if change == "disable":
        connection.enabled = False
        connection.save()
    elif change == "delete":
        connection.delete()
    else:
        connection.applications.clear()
    html = click(world, action_widget).content.decode()
    assert f"This action is unavailable: {words}" in html
    plain = click(world, action_widget, htmx=False)
    assert plain.status_code == 302
    assert len(receiver.calls) == 0
    # One blocked record per click, neither counted against the hourly limit.
    deliveries = list(Delivery.objects.order_by("id"))
    assert len(deliveries) == 2
    for delivery in deliveries:
        assert (delivery.outcome, delivery.detail) == ("blocked", recorded)
        assert (delivery.user, delivery.widget_id, delivery.board_id) == (
            world.victor,
            action_widget.pk,
            world.sales_board.pk,
        )
        assert delivery.widget_label == "Refresh forecast"
        assert delivery.workspace == world.acme and not delivery.counts_toward_quota
    if change == "delete":
        assert {(d.connection, d.connection_name, d.host) for d in deliveries} == {
            (None, "(deleted connection)", "")
        }
    else:
        assert {d.connection for d in deliveries} == {connection}


def test_it_is_a_404_to_click_another_workspaces_widget(world, make_connection, receiver):
    theirs = make_connection("Globex hook", workspace=world.globex, applications=[world.globex_app])
    widget = add_action(world.globex_board, theirs)
    receiver.post(ENDPOINT)
    assert click(world, widget, "alice").status_code == 404
    # Nor through one of our own boards.
    url = reverse("boards:widget_click", args=[world.sales_board.pk, widget.pk])
    assert world.client_for("alice").post(url, headers=HTMX).status_code == 404
    assert len(receiver.calls) == 0
    assert not Delivery.objects.exists()


def test_it_is_a_404_to_click_something_that_is_not_an_action(world, receiver):
    text = widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="hi")
    assert click(world, text).status_code == 404


@pytest.fixture
def confirm_widget(world, connection):
    return add_action(
        world.sales_board,
        connection,
        button_label="Rebuild forecast",
        confirm_before_sending=True,
        confirmation_message="This replaces the current forecast. Send?",
    )


def test_it_asks_for_confirmation_inline_before_sending(world, confirm_widget, receiver):
    receiver.post(ENDPOINT)
    client = world.client_for("victor")
    board = client.get(reverse("boards:detail", args=[world.sales_board.pk])).content.decode()
    confirm_url = reverse("boards:widget_confirm", args=[world.sales_board.pk, confirm_widget.pk])
    assert f'hx-get="{confirm_url}"' in board
    asked = client.get(confirm_url, headers=HTMX).content.decode()
    assert "This replaces the current forecast. Send?" in asked
    assert 'name="confirmed" value="1"' in asked
    assert ">Cancel</button>" in asked and "Send</button>" in asked
    assert len(receiver.calls) == 0
    sent = click(world, confirm_widget, confirmed="1").content.decode()
    assert ">Sent</p>" in sent
    assert len(receiver.calls) == 1


def test_it_puts_the_button_back_on_cancel(world, confirm_widget):
    url = reverse("boards:widget_action", args=[world.sales_board.pk, confirm_widget.pk])
    html = world.client_for("victor").get(url, headers=HTMX).content.decode()
    assert "Rebuild forecast" in html and "confirmed" not in html
    assert world.client_for("victor").get(url).status_code == 302


def test_it_will_not_send_unconfirmed(world, confirm_widget, receiver):
    html = click(world, confirm_widget).content.decode()
    assert "This replaces the current forecast. Send?" in html
    plain = click(world, confirm_widget, htmx=False)
    assert plain["Location"] == reverse(
        "boards:widget_confirm", args=[world.sales_board.pk, confirm_widget.pk]
    )
    assert len(receiver.calls) == 0
    assert not Delivery.objects.exists()


def test_it_confirms_on_a_page_of_its_own_without_javascript(world, confirm_widget, receiver):
    receiver.post(ENDPOINT)
    client = world.client_for("victor")
    confirm_url = reverse("boards:widget_confirm", args=[world.sales_board.pk, confirm_widget.pk])
    page = client.get(confirm_url).content.decode()
    assert "<html" in page and "This replaces the current forecast. Send?" in page
    board = client.post(
        reverse("boards:widget_click", args=[world.sales_board.pk, confirm_widget.pk]),
        {"confirmed": "1"},
        follow=True,
    ).content.decode()
    assert "Rebuild forecast: Sent" in board


@pytest.mark.parametrize(
    ("answer", "shown", "not_shown"),
    [
        (200, "Forecast refresh started — numbers update in a minute", "Sent · 200"),
        (500, "The forecast service did not answer. Tell your workspace admin.", "answered 500"),
    ],
)
def test_viewers_read_the_builders_words_for_success_and_failure(
    world, connection, receiver, answer, shown, not_shown
):
    widget = add_action(
        world.sales_board,
        connection,
        button_label="Refresh",
        success_message="Forecast refresh started — numbers update in a minute",
        failure_message="The forecast service did not answer. Tell your workspace admin.",
    )
    receiver.post(ENDPOINT, status=answer)
    html = click(world, widget).content.decode()
    assert shown in html
    assert not_shown not in html
    # Without JavaScript the message on the board says the same.
    client = world.client_for("victor")
    url = reverse("boards:widget_click", args=[widget.board_id, widget.pk])
    page = client.post(url, follow=True).content.decode()
    assert f"Refresh: {shown}" in page


def test_a_disabled_connection_is_named_even_with_failure_words(world, connection):
    widget = add_action(
        world.sales_board, connection, failure_message="Something went wrong, try later."
    )
    connection.enabled = False
    connection.save()
    html = click(world, widget).content.decode()
    assert "connection is disabled" in html
    assert "Something went wrong" not in html


def test_without_builders_words_viewers_read_the_standard_ones(world, action_widget, receiver):
    receiver.post(ENDPOINT, status=200)
    html = click(world, action_widget).content.decode()
    assert '"action-result">Sent</p>' in html
    assert "200" not in html.split('"action-result"')[1]


def test_the_messages_belong_to_action_widgets_only(world):
    text = widget_create(
        board=world.sales_board, kind=Widget.Kind.TEXT, text="Hi", success_message="Yes"
    )
    assert text.success_message == ""
