"""A builder makes, renames, duplicates and deletes boards from the workspace home, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from boards.models import Board

pytestmark = pytest.mark.browser


def test_a_builder_makes_renames_duplicates_and_deletes_a_board(world, sign_in, live_server):
    page = sign_in("erin")
    page.get_by_role("link", name="+ New board in Sales Planning").click()
    page.get_by_label("Board name").fill("Q3 Plan")
    page.get_by_role("button", name="Create board").click()
    expect(page.get_by_role("heading", name="Q3 Plan Edit mode")).to_be_visible()
    expect(page.get_by_text("Board “Q3 Plan” created. Add its first widget.")).to_be_visible()

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Rename Q3 Plan").click()
    page.get_by_label("Board name").fill("Q3 Forecast")
    page.get_by_role("button", name="Rename board").click()
    expect(page.get_by_text("Board “Q3 Plan” is now “Q3 Forecast”.")).to_be_visible()

    page.get_by_role("link", name="Duplicate Q3 Forecast").click()
    expect(page.get_by_label("Board name")).to_have_value("Q3 Forecast (copy)")
    page.get_by_role("button", name="Duplicate board").click()
    expect(page.get_by_role("heading", name="Q3 Forecast (copy) Edit mode")).to_be_visible()

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Delete Q3 Forecast (copy)").click()
    expect(page.get_by_test_id("board-delete-summary")).to_contain_text("It has no widgets")
    page.get_by_role("button", name="Delete board").click()
    expect(page.get_by_text("Board “Q3 Forecast (copy)” deleted.")).to_be_visible()
    names = set(Board.objects.filter(application=world.sales).values_list("name", flat=True))
    assert names == {"Sales Forecast", "Q3 Forecast"}


def test_a_bad_name_is_explained_next_to_the_field(world, sign_in, live_server):
    page = sign_in("erin")
    page.get_by_role("link", name="+ New board in Sales Planning").click()
    page.get_by_label("Board name").fill("sales forecast")
    page.get_by_role("button", name="Create board").click()
    expect(page.locator("#field-name")).to_contain_text(
        "Sales Planning already has a board called sales forecast. Choose another name."
    )


def test_a_viewer_is_offered_no_changes(world, sign_in, live_server):
    page = sign_in("victor")
    expect(page.get_by_role("link", name="Sales Forecast", exact=True)).to_be_visible()
    expect(page.get_by_test_id("board-new")).to_have_count(0)
    expect(page.get_by_test_id("board-rename")).to_have_count(0)
