"""The inspector in Chromium: + Add a Widget and Edit configure a widget in a panel of the board,
with a live preview, and the board updates in place — no page load."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from boards.models import Widget
from tests.browser.conftest import add_action, open_board

pytestmark = pytest.mark.browser


def loads_of(page) -> list[str]:
    """Every page load of the main frame from now on; a marker in `window` proves the same
    document stayed."""
    loads: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )
    page.evaluate("window.inspectorMarker = 'same page'")
    return loads


def assert_same_page(page, loads: list[str]) -> None:
    assert loads == []
    assert page.evaluate("window.inspectorMarker") == "same page"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_builder_adds_an_action_widget_in_four_clicks_without_a_page_load(
    world, sign_in, live_server, pipeline
):
    add_action(world, pipeline)  # "Refresh forecast", at the top left
    page = open_board(sign_in("erin"), live_server, world, "edit/")
    loads = loads_of(page)
    inspector = page.locator("#inspector")
    expect(inspector).to_be_hidden()

    page.get_by_test_id("add-widget").click()  # 1
    dialog = page.get_by_role("dialog", name="+ Add a Widget")
    expect(dialog).to_be_visible()
    expect(page.locator("#inspector-heading")).to_be_focused()
    dialog.get_by_role("link", name="Action").click()  # 2
    # The dialog's name follows its heading, step by step.
    dialog = page.get_by_role("dialog", name="Add a widget: Action: API request")
    expect(dialog).to_be_visible()
    preview = dialog.get_by_test_id("inspector-preview")
    expect(preview).to_contain_text("Choose the API request connection this button sends.")
    dialog.get_by_label("API request connection").select_option(label="Forecast pipeline")  # 3
    # The preview waits 300 ms for typing to stop, then asks the server: on a loaded machine
    # running the whole suite that round trip has taken longer than the default 5 s.
    expect(preview.get_by_test_id("preview-button")).to_have_text(
        "Forecast pipeline", timeout=15_000
    )
    dialog.get_by_label("Button label").fill("Update plan")
    dialog.get_by_label("Button tooltip").fill("Runs the forecast pipeline")
    expect(preview.get_by_test_id("preview-button")).to_have_text("Update plan")
    expect(preview.get_by_test_id("preview-tooltip")).to_contain_text("Runs the forecast pipeline")
    # widget-form.js runs on the swapped-in form: the message shows only while asked for.
    message = dialog.get_by_label("Confirmation message")
    expect(message).to_be_hidden()
    dialog.get_by_label("Ask for confirmation before sending").check()
    expect(message).to_be_visible()
    dialog.get_by_label("Ask for confirmation before sending").uncheck()
    expect(message).to_be_hidden()
    assert not Widget.objects.filter(button_label="Update plan").exists()  # preview only
    dialog.get_by_role("button", name="Add to Board").click()  # 4

    expect(inspector).to_be_hidden()
    widget = Widget.objects.get(button_label="Update plan")
    card = page.locator(f"#widget-{widget.pk}")
    expect(card).to_contain_text("Update plan")
    expect(page.locator(f"#widget-{widget.pk}-edit")).to_be_focused()
    expect(page.get_by_test_id("inspector-status")).to_have_text(
        "Action widget added to the board."
    )
    assert widget.button_tooltip == "Runs the forecast pipeline"
    assert (widget.grid_x, widget.grid_y) == (3, 0)  # beside the existing one
    assert_same_page(page, loads)


def test_edit_opens_in_the_panel_and_escape_closes_it_with_focus_back(
    world, sign_in, live_server, pipeline
):
    widget = add_action(world, pipeline, button_tooltip="Runs the pipeline")
    page = open_board(sign_in("erin"), live_server, world, "edit/")
    loads = loads_of(page)
    edit = page.locator(f"#widget-{widget.pk}-edit")

    edit.click()
    dialog = page.get_by_role("dialog", name="Edit widget: Action: API request")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Button label")).to_have_value("Refresh forecast")
    expect(dialog.get_by_test_id("preview-button")).to_have_text("Refresh forecast")
    dialog.get_by_label("Button label").focus()
    page.keyboard.press("Escape")
    expect(page.locator("#inspector")).to_be_hidden()
    expect(edit).to_be_focused()

    edit.click()
    dialog.get_by_label("Button label").fill("Run it again")
    expect(dialog.get_by_test_id("preview-button")).to_have_text("Run it again")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#inspector")).to_be_hidden()
    expect(page.locator(f"#widget-{widget.pk}")).to_contain_text("Run it again")
    widget.refresh_from_db()
    assert widget.button_label == "Run it again"

    page.locator(f"#widget-{widget.pk}-edit").click()
    page.get_by_test_id("inspector-close").click()
    expect(page.locator("#inspector")).to_be_hidden()
    expect(page.locator(f"#widget-{widget.pk}-edit")).to_be_focused()
    assert_same_page(page, loads)


def test_errors_come_back_into_the_panel_and_take_focus(world, sign_in, live_server, pipeline):
    page = open_board(sign_in("erin"), live_server, world, "edit/")
    page.get_by_test_id("add-widget").click()
    page.get_by_role("dialog").get_by_role("link", name="Action").click()
    page.get_by_role("dialog").get_by_role("button", name="Add to Board").click()
    summary = page.locator("#inspector").get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose the API request connection this button sends.")
    expect(page.locator("#inspector")).to_be_visible()
    assert not Widget.objects.exists()


def test_the_keyboard_alone_adds_a_widget(world, sign_in, live_server, pipeline):
    page = open_board(sign_in("erin"), live_server, world, "edit/")
    loads = loads_of(page)
    page.get_by_test_id("add-widget").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#inspector-heading")).to_be_focused()
    page.keyboard.press("Tab")  # Close
    expect(page.get_by_test_id("inspector-close")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("choose-action")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#inspector-heading")).to_have_text("Add a widget: Action: API request")
    expect(page.locator("#inspector-heading")).to_be_focused()
    for _ in range(6):  # Close, ← Other kinds, Title, then the connection
        if page.evaluate("document.activeElement.id") == "id_connection":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#id_connection")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first connection listed
    page.keyboard.press("Tab")
    expect(page.locator("#id_button_label")).to_be_focused()
    page.keyboard.type("Keyboard run")
    expect(page.get_by_test_id("preview-button")).to_have_text("Keyboard run")
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#inspector")).to_be_hidden()
    widget = Widget.objects.get(button_label="Keyboard run")
    assert widget.connection == pipeline
    expect(page.locator(f"#widget-{widget.pk}-edit")).to_be_focused()
    assert_same_page(page, loads)


def test_on_a_phone_the_panel_is_a_full_width_sheet(world, new_page, live_server, pipeline):
    from tests.browser.conftest import sign_in_on

    page = sign_in_on(new_page(375, 740), live_server.url, "erin")
    open_board(page, live_server, world, "edit/")
    page.get_by_test_id("add-widget").click()
    page.get_by_role("dialog").get_by_role("link", name="Action").click()
    box = page.locator("#inspector").bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] == 375
    dialog = page.get_by_role("dialog", name="Add a widget: Action: API request")
    dialog.get_by_label("API request connection").select_option(label="Forecast pipeline")
    dialog.get_by_label("Button label").fill("Phone run")
    expect(dialog.get_by_test_id("preview-button")).to_have_text("Phone run")
    save = dialog.get_by_role("button", name="Add to Board")
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    save.click()
    expect(page.locator("#inspector")).to_be_hidden()
    expect(page.get_by_test_id("board-grid")).to_contain_text("Phone run")
    # The page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_viewer_has_no_edit_mode_to_open_it_from(world, sign_in, live_server, pipeline):
    add_action(world, pipeline)
    page = open_board(sign_in("victor"), live_server, world)
    expect(page.get_by_test_id("add-widget")).to_have_count(0)
    expect(page.locator("#inspector")).to_have_count(0)
