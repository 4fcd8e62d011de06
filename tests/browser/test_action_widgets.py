"""Action widgets in real Chromium: the editor adds one through Edit mode, the viewer clicks it
and reads the outcome, and a receiver on 127.0.0.1 sees exactly what was sent."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from boards.models import Widget
from integrations.models import Delivery
from tests.browser.conftest import (
    BODY,
    HEADER_VALUE,
    HOOK,
    SENT,
    add_action,
    open_board,
    sign_in_on,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_lets_the_editor_add_an_action_widget_through_the_ui(
    world, sign_in, receiver_connection
):
    page = sign_in("erin")
    page.get_by_role("link", name="Sales Forecast", exact=True).click()
    page.get_by_role("link", name="Edit", exact=True).click()
    # htmx binds the page once it has loaded; a click before that follows the plain link.
    page.wait_for_url(re.compile(r"/edit/$"), wait_until="load")
    expect(page.get_by_text("Edit mode")).to_be_visible()

    page.get_by_role("link", name="+ Add a Widget").click()
    page.get_by_role("link", name="Action", exact=True).click()
    page.get_by_label("API request connection").select_option(label="Forecast pipeline")
    page.get_by_label("Button label").fill("Refresh forecast")
    page.get_by_label("Button tooltip").fill("Ask the pipeline for fresh numbers")
    page.get_by_role("button", name="Add to Board").click()

    expect(page.get_by_role("status")).to_contain_text("Action widget added to the board.")
    grid = page.get_by_test_id("board-grid")
    expect(grid.get_by_role("button", name="Refresh forecast", exact=True)).to_be_visible()
    expect(grid).to_contain_text("Sends to Forecast pipeline when clicked outside Edit mode.")

    page.get_by_role("link", name="Done").click()
    button = page.get_by_test_id("action-button")
    expect(button).to_have_text("Refresh forecast")
    expect(button).to_be_enabled()
    # The tooltip is the button's description, and shows on keyboard focus, not only on hover.
    expect(button).to_have_accessible_description("Ask the pipeline for fresh numbers")
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_hidden()
    button.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text("Ask the pipeline for fresh numbers")

    widget = Widget.objects.get(board=world.sales_board)
    assert (widget.kind, widget.connection_id, widget.button_label) == (
        "action",
        receiver_connection.pk,
        "Refresh forecast",
    )


def test_it_shows_the_viewer_success_and_the_receiver_gets_the_configured_post(
    world, sign_in, live_server, receiver_connection, httpserver: HTTPServer
):
    # The receiver holds its answer until the test has seen the button working, so the
    # pending state is observed every time rather than by luck of timing.
    release = threading.Event()

    def answer_when_released(request: Request) -> Response:
        release.wait(timeout=10)
        return Response('{"queued": true}', status=200, content_type="application/json")

    httpserver.expect_oneshot_request(HOOK, method="POST").respond_with_handler(
        answer_when_released
    )
    add_action(world, receiver_connection)
    page = open_board(sign_in("victor"), live_server, world)

    page.get_by_role("button", name="Refresh forecast").click()

    working = page.get_by_test_id("action-button")
    expect(working).to_have_text("Sending…")
    expect(working).to_be_disabled()
    release.set()
    expect(page.get_by_test_id("action-result")).to_have_text(SENT)
    expect(page.get_by_role("button", name="Refresh forecast")).to_be_enabled()
    httpserver.check_assertions()
    assert len(httpserver.log) == 1
    request, _ = httpserver.log[0]
    assert (request.method, request.path) == ("POST", HOOK)
    assert request.get_data() == BODY.encode()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == HEADER_VALUE
    # The viewer reads the outcome, never the service's answer.
    assert '"queued"' not in page.content()
    delivery = Delivery.objects.get()
    assert (delivery.outcome, delivery.http_status, delivery.user) == (
        "succeeded",
        200,
        world.victor,
    )


def test_it_shows_the_viewer_the_failure_when_the_receiver_answers_500(
    world, sign_in, live_server, receiver_connection, httpserver: HTTPServer
):
    httpserver.expect_oneshot_request(HOOK, method="POST").respond_with_data(
        "stack trace with internal details", status=500
    )
    add_action(world, receiver_connection)
    page = open_board(sign_in("victor"), live_server, world)

    page.get_by_role("button", name="Refresh forecast").click()

    expect(page.get_by_test_id("action-result")).to_have_text(
        "The service reported a problem and may not have done its work. "
        "Try again in a few minutes or tell your workspace admin."
    )
    expect(page.get_by_test_id("action-result")).to_have_class(re.compile(r"\boutcome-failed\b"))
    assert "internal details" not in page.content()
    httpserver.check_assertions()
    assert Delivery.objects.get().outcome == "failed"


def test_it_asks_for_confirmation_sends_nothing_on_cancel_and_once_on_send(
    world, new_page, live_server, receiver_connection, httpserver: HTTPServer
):
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok", status=200)
    add_action(
        world,
        receiver_connection,
        confirm_before_sending=True,
        confirmation_message="Run the forecast now? It replaces the current numbers.",
    )
    page = open_board(sign_in_on(new_page(), live_server.url, "victor"), live_server, world)

    page.get_by_role("button", name="Refresh forecast").click()
    expect(page.get_by_test_id("confirm-message")).to_have_text(
        "Run the forecast now? It replaces the current numbers."
    )
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("confirm-message")).to_have_count(0)
    expect(page.get_by_role("button", name="Refresh forecast")).to_be_visible()
    # The click is recorded in the request that makes it, so nothing recorded means nothing sent.
    assert not Delivery.objects.exists()
    assert httpserver.log == []

    page.get_by_role("button", name="Refresh forecast").click()
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_test_id("action-result")).to_have_text(SENT)
    assert Delivery.objects.count() == 1
    assert len(httpserver.log) == 1
    assert httpserver.log[0][0].get_data() == BODY.encode()
