"""The keyboard only: an Action's confirmation, its outcome and the Move buttons keep focus where
the next key press is expected; the focus ring stays visible; Create API key pressed twice makes
one key. Also, a table with visually hidden headings stays within a 375 px screen."""

from __future__ import annotations

import re
import threading

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from boards.models import Widget
from boards.services import widget_create
from datasets.models import ApiKey
from datasets.services import dataset_create
from integrations.models import Connection, Delivery
from tests.browser.conftest import HOOK, SENT, add_action, open_board, sign_in_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Tabs allowed from the top of the page to the Action button before the test gives up.
MAX_TABS = 30
DATASET_NAME = "Revenue forecast for every region and product line"
CONFIRMED = {"confirm_before_sending": True, "confirmation_message": "Run the forecast now?"}


@pytest.fixture
def held_receiver(httpserver: HTTPServer) -> threading.Event:
    """The receiver answers 200 once released, so the "Sending…" state is seen every time."""
    release = threading.Event()

    def answer_when_released(request: Request) -> Response:
        release.wait(timeout=10)
        return Response("ok", status=200)

    httpserver.expect_request(HOOK, method="POST").respond_with_handler(answer_when_released)
    return release


def open_board_as(new_page, live_server, world, username: str = "victor", suffix: str = ""):
    return open_board(sign_in_on(new_page(), live_server.url, username), live_server, world, suffix)


@pytest.fixture
def page_without_javascript(browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def settled(page) -> None:
    """Wait until htmx has finished settling what it swapped in. Until then the new controls
    have no htmx handlers yet, so a key pressed in those few milliseconds would go unhandled by
    htmx; no one types that fast, but a test does."""
    expect(
        page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    ).to_have_count(0)


def expect_focused(page, locator) -> None:
    """`locator` has focus once htmx has settled the swap that moved it there."""
    settled(page)
    expect(locator).to_be_focused()


def press_enter_on(page, locator) -> None:
    locator.focus()
    page.keyboard.press("Enter")


def expect_sending(page) -> None:
    """While the call is under way, focus rests on the "Sending…" button (which does nothing)."""
    working = page.get_by_test_id("action-button")
    expect(working).to_have_text("Sending…")
    expect_focused(page, working)


def expect_sent(page, focused) -> None:
    expect(page.get_by_test_id("action-result")).to_have_text(SENT)
    expect_focused(page, focused)


def tab_to(page, locator) -> None:
    """Press Tab from the top of the page until `locator` has focus, as a keyboard user would."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{MAX_TABS} Tabs did not reach the control")


def test_it_keeps_focus_through_confirm_send_and_outcome(
    world, new_page, live_server, receiver_connection, held_receiver
):
    add_action(world, receiver_connection, **CONFIRMED)
    page = open_board_as(new_page, live_server, world)
    action = page.get_by_role("button", name="Refresh forecast")

    tab_to(page, action)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("confirm-message")).to_have_text("Run the forecast now?")
    expect_focused(page, page.get_by_role("button", name="Send"))

    page.keyboard.press("Enter")
    expect_sending(page)
    expect(page.get_by_test_id("action-button")).to_be_disabled()
    held_receiver.set()

    expect_sent(page, focused=action)
    # The outcome is read out: it sits in the widget's polite live region.
    expect(page.locator(".action-region[aria-live=polite]")).to_contain_text("Sent")
    assert Delivery.objects.get().outcome == "succeeded"


def test_it_keeps_focus_when_the_stream_redraws_the_button_before_the_click_settles(
    world, new_page, live_server, receiver_connection, held_receiver
):
    """The stream's redraw (the call now sending) can land before htmx has settled the click's
    answer and given its button the focus: the focus is kept all the same."""
    add_action(world, receiver_connection, **CONFIRMED)
    page = open_board_as(new_page, live_server, world)
    page.evaluate("htmx.config.defaultSettleDelay = 1500")  # the redraw always comes first
    action = page.get_by_role("button", name="Refresh forecast")

    press_enter_on(page, action)
    expect_focused(page, page.get_by_role("button", name="Send"))
    page.keyboard.press("Enter")

    expect_sending(page)
    held_receiver.set()
    expect_sent(page, focused=action)


def test_it_returns_focus_to_the_action_button_on_cancel(
    world, new_page, live_server, receiver_connection, httpserver: HTTPServer
):
    add_action(world, receiver_connection, **CONFIRMED)
    page = open_board_as(new_page, live_server, world)
    action = page.get_by_role("button", name="Refresh forecast")

    press_enter_on(page, action)
    expect(page.get_by_test_id("confirm-message")).to_be_visible()
    expect_focused(page, page.get_by_role("button", name="Send"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("confirm-message")).to_have_count(0)
    expect_focused(page, action)
    assert not Delivery.objects.exists()
    assert httpserver.log == []


def test_escape_cancels_the_confirmation_and_sends_nothing(
    world, new_page, live_server, receiver_connection, httpserver: HTTPServer
):
    add_action(world, receiver_connection, **CONFIRMED)
    page = open_board_as(new_page, live_server, world)
    action = page.get_by_role("button", name="Refresh forecast")

    press_enter_on(page, action)
    expect_focused(page, page.get_by_role("button", name="Send"))
    page.keyboard.press("Escape")

    expect(page.get_by_test_id("confirm-message")).to_have_count(0)
    expect_focused(page, action)
    assert not Delivery.objects.exists()
    assert httpserver.log == []


def test_it_keeps_focus_on_an_action_without_confirmation(
    world, new_page, live_server, receiver_connection, held_receiver
):
    add_action(world, receiver_connection)
    page = open_board_as(new_page, live_server, world)
    action = page.get_by_role("button", name="Refresh forecast")

    press_enter_on(page, action)
    expect_sending(page)
    held_receiver.set()

    expect_sent(page, focused=action)
    # Enter again sends again: focus is where the next click is expected.
    page.get_by_test_id("action-result").evaluate("element => element.dataset.first = 'yes'")
    page.keyboard.press("Enter")
    second = page.locator("[data-testid=action-result]:not([data-first])")
    expect(second).to_have_text(SENT)
    expect_focused(page, action)
    assert Delivery.objects.count() == 2


def test_it_does_not_take_focus_back_from_someone_who_moved_on(
    world, new_page, live_server, receiver_connection, held_receiver
):
    add_action(world, receiver_connection)
    page = open_board_as(new_page, live_server, world)

    press_enter_on(page, page.get_by_role("button", name="Refresh forecast"))
    expect_sending(page)
    sign_out = page.get_by_role("button", name="Sign out")
    sign_out.focus()
    held_receiver.set()

    expect_sent(page, focused=sign_out)


def test_it_focuses_a_refused_click_so_its_reason_is_read(
    world, new_page, live_server, receiver_connection, httpserver: HTTPServer
):
    add_action(world, receiver_connection)
    page = open_board_as(new_page, live_server, world)
    # Disabled after the page was drawn: the click is refused.
    Connection.objects.filter(pk=receiver_connection.pk).update(enabled=False)

    press_enter_on(page, page.get_by_role("button", name="Refresh forecast"))

    expect(page.get_by_test_id("widget-unavailable")).to_contain_text("disabled")
    refused = page.get_by_role("button", name="Refresh forecast")
    expect_focused(page, refused)
    expect(refused).to_be_disabled()
    assert httpserver.log == []


def test_it_lays_out_widgets_with_the_keyboard_and_keeps_focus_on_them(
    world, new_page, live_server
):
    for title in ("First", "Second"):
        widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, title=title, text=title)
    page = open_board_as(new_page, live_server, world, username="erin", suffix="edit/")
    second = page.locator("article", has_text="Second")
    expect(second).to_have_class(re.compile(r"\bgx-6 .*\bgw-6\b"))

    press_enter_on(page, page.get_by_role("button", name="Narrower Second"))
    expect(second).to_have_class(re.compile(r"\bgw-5\b"))
    # Still possible: the pressed button keeps focus.
    expect_focused(page, page.get_by_role("button", name="Narrower Second"))

    press_enter_on(page, page.get_by_role("button", name="Move Second right"))
    expect(second).to_have_class(re.compile(r"\bgx-7\b"))
    # At the right edge, the button comes back disabled: focus stays on this widget.
    expect(page.get_by_role("button", name="Move Second right")).to_be_disabled()
    expect_focused(page, page.get_by_role("link", name="Remove Second"))

    # Widening the first into the second's columns settles the second below it.
    first = page.locator("article", has_text="First")
    press_enter_on(page, page.get_by_role("button", name="Wider First"))
    expect(first).to_have_class(re.compile(r"\bgw-7\b"))
    expect(second).to_have_class(re.compile(r"\bgy-0\b"))  # columns 0–6 and 7–11: side by side
    press_enter_on(page, page.get_by_role("button", name="Wider First"))
    expect(first).to_have_class(re.compile(r"\bgw-8\b"))
    expect(second).to_have_class(re.compile(r"\bgy-2\b"))


def test_it_draws_the_input_focus_ring_as_strongly_as_other_controls(world, new_page, live_server):
    page = sign_in_on(new_page(), live_server.url, "alice")
    page.goto(live_server.url + reverse("datasets:api_key_create"))
    page.get_by_label("Name").focus()
    outline = page.get_by_label("Name").evaluate(
        "element => getComputedStyle(element).outlineColor"
    )
    page.get_by_role("link", name="Cancel").focus()
    other = page.get_by_role("link", name="Cancel").evaluate(
        "element => getComputedStyle(element).outlineColor"
    )
    assert outline == other == "rgb(31, 79, 214)"


def test_it_keeps_a_table_with_hidden_headings_within_a_375_px_screen(world, new_page, live_server):
    dataset_create(
        workspace=world.acme,
        name=DATASET_NAME,
        columns=[("month", "date"), ("region", "text"), ("revenue", "number")],
        applications=[world.sales],
    )
    page = sign_in_on(new_page(width=375, height=800), live_server.url, "alice")
    page.goto(live_server.url + reverse("datasets:list"))
    expect(page.get_by_role("cell", name=DATASET_NAME, exact=True)).to_be_visible()
    # One pixel of sub-pixel rounding allowed.
    assert page.evaluate("document.documentElement.scrollWidth") <= 376


@pytest.mark.parametrize("press_twice", ["Enter", "double click", "double click without JS"])
def test_it_makes_one_api_key_when_create_is_pressed_twice(
    world, request, new_page, live_server, press_twice
):
    # Without JavaScript nothing disables the button: the form's one-time token alone keeps it
    # to one key.
    without_js = press_twice.endswith("without JS")
    page = request.getfixturevalue("page_without_javascript") if without_js else new_page()
    sign_in_on(page, live_server.url, "alice")
    page.goto(live_server.url + reverse("datasets:api_key_create"))
    page.get_by_label("Name").fill("Nightly pipeline")
    create = page.get_by_role("button", name="Create API key")

    if press_twice == "Enter":
        create.focus()
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
    else:
        create.dblclick()

    expect(page.get_by_role("heading", name="API key “Nightly pipeline” created")).to_be_visible()
    secret = page.get_by_test_id("new-api-key").input_value()
    assert secret.startswith("sb_")
    assert ApiKey.objects.count() == 1
    # Shown once: coming back to the page shows it no more.
    page.reload()
    expect(page.get_by_role("heading", name="API Keys")).to_be_visible()
    assert secret not in page.content()


def test_it_confirms_and_follows_a_click_without_javascript(
    world, page_without_javascript, live_server, receiver_connection, held_receiver
):
    add_action(world, receiver_connection, **CONFIRMED)
    page = sign_in_on(page_without_javascript, live_server.url, "victor")
    open_board(page, live_server, world)

    page.get_by_role("button", name="Refresh forecast").click()
    expect(page.get_by_test_id("confirm-message")).to_have_text("Run the forecast now?")
    # The confirmation page's address says where it came from, not a bare "?".
    assert page.url.endswith("/confirm/?from=board")

    page.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("action-result")).to_contain_text("Sending…")
    held_receiver.set()
    # The page reloads itself while the click is pending, so the outcome appears unasked.
    expect(page.get_by_test_id("action-result")).to_have_text(SENT)
    assert Delivery.objects.get().outcome == "succeeded"
