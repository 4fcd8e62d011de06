"""An open board follows what happens elsewhere, without a reload, within 2 s: an import, a
widget added, a connection disabled; a viewer who loses access stops seeing the board's data."""

from __future__ import annotations

import io
import time

import pytest
from playwright.sync_api import expect

import boards.views.live as live_view
from boards.models import Widget
from boards.services import widget_create
from datasets.importer import dataset_rows_import
from datasets.services import dataset_create, import_configuration_create
from integrations.services.connections import connection_set_enabled
from tests.browser.conftest import open_board
from tests.support.connections import connection_make
from workspace.models import ApplicationRole

pytestmark = pytest.mark.browser

FRESH_WITHIN_MS = 2_000


@pytest.fixture
def bookings(world):
    dataset = dataset_create(
        workspace=world.acme,
        name="Bookings",
        columns=[("region", "text"), ("revenue", "number")],
        applications=[world.sales],
    )
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=dataset)
    return dataset


def import_rows(world, dataset, body: str) -> None:
    configuration = import_configuration_create(
        workspace=world.acme, name=f"Push {time.monotonic()}", dataset=dataset, mode="replace"
    )
    csv_file = io.BytesIO(("region,revenue\n" + body).encode())
    dataset_rows_import(configuration=configuration, csv_file=csv_file)


def watching(page):
    """Mark the moment the board's stream connects (htmx's sseOpen event) on pages to come."""
    page.add_init_script(
        "document.addEventListener('htmx:sseOpen', () => { window.boardStreamOpen = true })"
    )
    return page


def stream_open(page) -> None:
    """Wait until the board's stream is connected, so the timing below is only the update's."""
    page.wait_for_function("() => window.boardStreamOpen === true")


def test_an_import_reaches_an_open_board_within_two_seconds(world, sign_in, live_server, bookings):
    page = open_board(watching(sign_in("victor")), live_server, world)
    expect(page.get_by_test_id("table-empty")).to_be_visible()
    stream_open(page)
    expect(page.get_by_test_id("live-status")).to_have_text("Live")
    import_rows(world, bookings, "Lisbon,4200\n")
    expect(page.get_by_role("cell", name="Lisbon")).to_be_visible(timeout=FRESH_WITHIN_MS)
    expect(page.get_by_role("cell", name="4,200")).to_be_visible()
    # What changed is marked for a moment.
    expect(page.locator("article.just-changed", has_text="Lisbon")).to_have_count(1)


def test_a_widget_added_reaches_an_open_board_within_two_seconds(world, sign_in, live_server):
    page = open_board(watching(sign_in("victor")), live_server, world)
    stream_open(page)
    widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="Quarter closes Friday")
    expect(page.get_by_text("Quarter closes Friday")).to_be_visible(timeout=FRESH_WITHIN_MS)


def test_a_disabled_connection_reaches_an_open_board_within_two_seconds(
    world, sign_in, live_server, public_dns
):
    connection = connection_make(
        world.acme,
        actor=world.alice,
        applications=[world.sales],
        url="https://hooks.example.com/forecast",
        headers="",
        body="",
    )
    widget_create(
        board=world.sales_board,
        kind=Widget.Kind.ACTION,
        connection=connection,
        button_label="Refresh forecast",
    )
    page = open_board(watching(sign_in("victor")), live_server, world)
    button = page.get_by_role("button", name="Refresh forecast")
    expect(button).to_be_enabled()
    expect(button).not_to_have_attribute("aria-disabled", "true")
    stream_open(page)
    connection_set_enabled(connection=connection, actor=world.alice, enabled=False)
    expect(button).to_have_attribute("aria-disabled", "true", timeout=FRESH_WITHIN_MS)
    expect(page.get_by_test_id("widget-unavailable")).to_be_visible()


def test_a_viewer_whose_role_is_removed_stops_seeing_the_board(
    world, sign_in, live_server, bookings
):
    import_rows(world, bookings, "Porto,10\n")
    page = open_board(watching(sign_in("victor")), live_server, world)
    expect(page.get_by_role("cell", name="Porto")).to_be_visible()
    stream_open(page)
    ApplicationRole.objects.filter(user=world.victor, application=world.sales).delete()
    expect(page.get_by_test_id("board-gone")).to_be_visible(timeout=FRESH_WITHIN_MS)
    expect(page.get_by_role("cell", name="Porto")).to_have_count(0)
    expect(page.get_by_test_id("live-status")).to_have_text("No longer available")
    # Nothing more arrives: the stream was closed, and the new rows stay on the server.
    import_rows(world, bookings, "Secret,1\n")
    page.wait_for_timeout(1_500)
    expect(page.get_by_text("Secret")).to_have_count(0)
    expect(page.get_by_test_id("board-gone")).to_be_visible()


def test_the_indicator_says_when_the_board_is_not_up_to_date(
    world, sign_in, live_server, bookings, monkeypatch
):
    # Streams end after a second here, so the browser soon reconnects, and finds no server.
    monkeypatch.setattr(live_view, "STREAM_LIFETIME", 1.0)
    page = open_board(watching(sign_in("victor")), live_server, world)
    stream_open(page)
    expect(page.get_by_test_id("live-status")).to_have_text("Live")
    page.route("**/events/**", lambda route: route.abort())
    expect(page.get_by_test_id("live-status")).to_have_text(
        "Not up to date — reconnecting…", timeout=5_000
    )
    page.unroute("**/events/**")
    expect(page.get_by_test_id("live-status")).to_have_text("Live", timeout=10_000)
