"""Edit mode's grid in Chromium: drag a widget to move it, drag its corner to resize it; the
layout is kept after a reload and reaches a viewer's open board without one."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from boards.models import Widget
from boards.services import widget_create
from tests.browser.conftest import open_board, sign_in_on

pytestmark = pytest.mark.browser


def place(widget: Widget) -> tuple[int, int, int, int]:
    widget.refresh_from_db()
    return (widget.grid_x, widget.grid_y, widget.grid_w, widget.grid_h)


def saved(condition, seconds: float = 5.0) -> None:
    """Wait for the save the drag sent (it goes out when the drop ends)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the layout was not saved"
        time.sleep(0.05)


def drag(page, source, dx: float, dy: float) -> None:
    box = source.bounding_box()
    start_x, start_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    page.mouse.move(start_x + dx / 2, start_y + dy / 2, steps=8)
    page.mouse.move(start_x + dx, start_y + dy, steps=8)
    page.mouse.up()


def test_a_builder_drags_and_resizes_widgets_and_a_viewer_sees_it_live(
    world, sign_in, live_server, new_page
):
    alpha = widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, title="Alpha", text="A")
    beta = widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, title="Beta", text="B")
    assert (place(alpha), place(beta)) == ((0, 0, 6, 2), (6, 0, 6, 2))
    viewer = open_board(
        sign_in_on(new_page(1440, 900), live_server.url, "victor"), live_server, world
    )
    viewer_beta = viewer.locator("article", has_text="Beta")
    expect(viewer_beta).to_have_class(re.compile(r"\bgy-0\b"))

    page = open_board(sign_in("erin"), live_server, world, suffix="edit/")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.reload()
    grid = page.locator("#board-grid.grid-stack")
    expect(grid).to_be_visible()
    column = grid.bounding_box()["width"] / 12

    # Resize Alpha by its corner (shown on hover): two columns narrower.
    page.locator(f"#widget-{alpha.pk}").hover()
    drag(page, page.locator(f"#widget-{alpha.pk} .ui-resizable-se"), -2 * column, 0)
    saved(lambda: place(alpha)[2] == 4)

    # Drag Beta below Alpha, into the first columns.
    drag(page, page.locator(f"#widget-{beta.pk} .widget-title"), -6 * column, 3 * 112)
    saved(lambda: place(beta)[:2] == (0, 2))
    assert place(beta)[2:] == (6, 2)

    # Kept after a reload, and already on the viewer's open board.
    expect(viewer_beta).to_have_class(re.compile(r"\bgx-0 gy-2\b"), timeout=2_000)
    page.reload()
    expect(page.locator(f"#widget-{beta.pk}")).to_have_attribute("gs-y", "2")
