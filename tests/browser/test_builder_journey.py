"""A builder makes a board from nothing, in the product: a new board, an Action, a KPI and a
Table added through the inspector, moved and resized by mouse and by keyboard, kept after a
reload; a viewer with the board open follows live, and reads it on a phone."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from boards.models import Board, Widget
from datasets.models import DatasetRow
from datasets.services import dataset_create, dataset_rows_changed
from integrations.services.connections import connection_set_enabled
from tests.browser.conftest import sign_in_on
from tests.browser.test_board_grid import drag

pytestmark = pytest.mark.browser


@pytest.fixture
def forecast(world):
    dataset = dataset_create(
        workspace=world.acme,
        name="Revenue forecast",
        columns=[("region", "text"), ("revenue", "number")],
        applications=[world.sales],
    )
    DatasetRow.objects.bulk_create(
        DatasetRow(dataset=dataset, position=position, values={"region": region, "revenue": amount})
        for position, (region, amount) in enumerate([("North", 1200), ("South", 800)])
    )
    dataset_rows_changed(dataset=dataset)
    return dataset


def place(widget: Widget) -> tuple[int, int, int, int]:
    widget.refresh_from_db()
    return (widget.grid_x, widget.grid_y, widget.grid_w, widget.grid_h)


def eventually(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not saved in time"
        time.sleep(0.05)


def add_through_inspector(page, kind: str, fill) -> None:
    # Until htmx has bound the page (the scripts are deferred), + Add a Widget is a plain link
    # to its own page, as without JavaScript; the inspector opens only once the page has loaded.
    page.wait_for_load_state("load")
    page.get_by_test_id("add-widget").click()
    expect(page.locator("#inspector")).to_be_visible()
    page.get_by_test_id(f"choose-{kind}").click()
    dialog = page.locator("#inspector")
    fill(dialog)
    dialog.get_by_role("button", name="Add to Board").click()
    expect(dialog).to_be_hidden()


def test_a_builder_makes_a_working_board_from_nothing(
    world, sign_in, new_page, live_server, pipeline, forecast
):
    page = sign_in("erin")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.get_by_role("link", name="+ New board in Sales Planning").click()
    page.get_by_label("Board name").fill("Q3 Plan")
    page.get_by_role("button", name="Create board").click()
    expect(page.get_by_role("heading", name="Q3 Plan Edit mode")).to_be_visible()
    board = Board.objects.get(name="Q3 Plan")

    def action(dialog):
        dialog.get_by_label("API request connection").select_option(label="Forecast pipeline")
        dialog.get_by_label("Button label").fill("Refresh forecast")

    def kpi(dialog):
        dialog.get_by_label("Title").fill("Revenue")
        dialog.get_by_label("Dataset").select_option(label="Revenue forecast")
        dialog.get_by_label("Column").select_option(label="revenue (number)")
        dialog.get_by_label("Aggregate").select_option(label="Sum")
        dialog.get_by_label("Prefix").fill("$")

    def table(dialog):
        dialog.get_by_label("Title").fill("Forecast rows")
        dialog.get_by_label("Dataset").select_option(label="Revenue forecast")

    add_through_inspector(page, "action", action)
    add_through_inspector(page, "kpi", kpi)
    add_through_inspector(page, "table", table)
    refresh = Widget.objects.get(board=board, kind=Widget.Kind.ACTION)
    revenue = Widget.objects.get(board=board, kind=Widget.Kind.KPI)
    rows = Widget.objects.get(board=board, kind=Widget.Kind.TABLE)
    expect(page.locator(f"#widget-{revenue.pk}")).to_contain_text("$2,000")
    expect(page.locator(f"#widget-{rows.pk}")).to_contain_text("North")
    assert place(refresh)[:2] == (0, 0)

    # A viewer opens the board meanwhile.
    viewer = sign_in_on(new_page(1440, 900), live_server.url, "victor")
    viewer.goto(f"{live_server.url}/boards/{board.pk}/")
    expect(viewer.get_by_role("button", name="Refresh forecast")).to_be_enabled()

    # By mouse: the KPI three columns to the right, the Table four columns narrower.
    page.reload()
    grid = page.locator("#board-grid.grid-stack")
    expect(grid).to_be_visible()
    column = grid.bounding_box()["width"] / 12
    kpi_before = place(revenue)
    drag(page, page.locator(f"#widget-{revenue.pk} .widget-title"), 3 * column, 0)
    eventually(lambda: place(revenue)[0] == kpi_before[0] + 3)
    page.locator(f"#widget-{rows.pk}").hover()
    drag(page, page.locator(f"#widget-{rows.pk} .ui-resizable-se"), -4 * column, 0)
    eventually(lambda: place(rows)[2] == 8)

    # By keyboard alone: the KPI one step back to the left.
    page.locator(f"#widget-{revenue.pk}-left").focus()
    page.keyboard.press("Enter")
    eventually(lambda: place(revenue)[0] == kpi_before[0] + 2)

    # Kept after a reload, and already on the viewer's open board.
    page.reload()
    expect(page.locator(f"#widget-{revenue.pk}")).to_have_attribute("gs-x", str(kpi_before[0] + 2))
    expect(page.locator(f"#widget-{rows.pk}")).to_have_attribute("gs-w", "8")
    expect(viewer.locator(f"#widget-{revenue.pk}")).to_have_class(
        re.compile(rf"\bgx-{kpi_before[0] + 2}\b"), timeout=2_000
    )
    expect(viewer.locator(f"#widget-{rows.pk}")).to_have_class(re.compile(r"\bgw-8\b"))

    # An admin disables the connection: the viewer's button turns unavailable without a reload.
    connection_set_enabled(connection=pipeline, actor=world.alice, enabled=False)
    expect(viewer.get_by_role("button", name="Refresh forecast")).to_have_attribute(
        "aria-disabled", "true", timeout=2_000
    )

    # On a phone: one column in reading order, nothing cut off.
    viewer.set_viewport_size({"width": 375, "height": 800})
    viewer.reload()
    assert viewer.evaluate("document.documentElement.scrollWidth") <= 376
    boxes = [viewer.locator(f"#widget-{w.pk}").bounding_box() for w in (refresh, revenue, rows)]
    for box in boxes:
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 376
    tops = [box["y"] for box in boxes]
    assert tops == sorted(tops)  # Action, then KPI, then Table, one under the other
