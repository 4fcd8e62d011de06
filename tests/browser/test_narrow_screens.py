"""At 375 px wide (a small phone) the board and the connection form fit the screen and work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from pytest_httpserver import HTTPServer

from boards.models import Widget
from boards.services import widget_create
from datasets.models import Dataset, DatasetRow
from datasets.services import dataset_create, dataset_rows_changed
from tests.browser.conftest import sign_in_on
from tests.support.connections import connection_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375
# Sub-pixel rounding may report one pixel more than the viewport.
TOLERANCE = 1


def assert_no_horizontal_overflow(page) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= WIDTH + TOLERANCE, f"{page.url} is {scroll_width}px wide"


def assert_within_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + TOLERANCE


def wide_dataset(world) -> Dataset:
    columns = [
        ("month", "date"),
        ("region", "text"),
        ("product line", "text"),
        ("revenue", "number"),
        ("margin", "number"),
        ("comment", "text"),
    ]
    dataset = dataset_create(
        workspace=world.acme, name="Revenue forecast", columns=columns, applications=[world.sales]
    )
    for position in range(8):
        DatasetRow.objects.create(
            dataset=dataset,
            position=position,
            values={
                "month": f"2031-0{position + 1}-01",
                "region": "North-Northwest Territories",
                "product line": "Enterprise subscriptions",
                "revenue": 1_234_567.89 + position,
                "margin": 0.4275,
                "comment": "Forecast revised after the quarterly pipeline review",
            },
        )
    dataset_rows_changed(dataset=dataset)  # written here, not imported: make them the dataset's
    return dataset


def test_it_keeps_the_board_and_the_connection_form_usable_at_375_px(
    world, new_page, live_server, outbound_to_receiver, public_dns, httpserver: HTTPServer
):
    httpserver.expect_request("/hooks/forecast", method="POST").respond_with_data("ok")
    connection = connection_make(
        world.acme,
        actor=world.alice,
        name="Forecast pipeline with a rather long name",
        applications=[world.sales],
        url=httpserver.url_for("/hooks/forecast"),
        headers="",
        body='{"scenario": "base"}',
    )
    widget_create(
        board=world.sales_board,
        kind=Widget.Kind.ACTION,
        connection=connection,
        title="Forecast pipeline",
        button_label="Refresh the revenue forecast for every region",
    )
    widget_create(
        board=world.sales_board,
        kind=Widget.Kind.TEXT,
        text="Press the button after the monthly close; the table below updates by itself.",
    )
    widget_create(
        board=world.sales_board,
        kind=Widget.Kind.TABLE,
        title="Revenue forecast",
        dataset=wide_dataset(world),
    )
    page = sign_in_on(new_page(width=WIDTH, height=800), live_server.url, "alice")

    page.get_by_role("link", name="Sales Forecast", exact=True).click()
    # htmx binds the button once the page has loaded; a click before that is a plain post.
    page.wait_for_url(re.compile(r"/boards/\d+/$"), wait_until="load")
    expect(page.get_by_test_id("table-widget")).to_contain_text("Enterprise subscriptions")
    assert_no_horizontal_overflow(page)
    button = page.get_by_role("button", name="Refresh the revenue forecast for every region")
    assert_within_screen(button)
    button.click()
    expect(page.get_by_test_id("action-result")).to_have_text("Sent")
    assert_no_horizontal_overflow(page)

    page.goto(f"{live_server.url}/integrations/api-request/new/")
    for label in ("Name", "POST endpoint URL", "Headers", "JSON body"):
        assert_within_screen(page.get_by_label(label))
    assert_within_screen(page.get_by_role("button", name="Setup"))
    assert_no_horizontal_overflow(page)
    # A long error message wraps instead of widening the page.
    page.get_by_label("POST endpoint URL").fill("https://169.254.169.254/latest/meta-data/")
    page.get_by_role("button", name="Setup").click()
    expect(page.locator("#field-url .errorlist")).to_contain_text(
        "169.254.169.254 is a private or local address."
    )
    assert_no_horizontal_overflow(page)
