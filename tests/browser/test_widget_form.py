"""The widget form with JavaScript: a KPI lists only its dataset's columns, and an Action's
confirmation message shows only while confirmation is asked for."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from boards.models import Widget
from datasets.services import dataset_create

pytestmark = pytest.mark.browser


def test_a_kpi_lists_only_the_chosen_dataset_s_columns(world, sign_in, live_server):
    for name, column in (("Bookings", "revenue"), ("Staff", "headcount")):
        dataset_create(
            workspace=world.acme,
            name=name,
            columns=[("region", "text"), (column, "number")],
            applications=[world.sales],
        )
    page = sign_in("erin")
    page.goto(f"{live_server.url}/boards/{world.sales_board.pk}/widgets/add/kpi/")
    column = page.get_by_label("Column")
    page.get_by_label("Dataset").select_option(label="Staff")
    # Options of a closed list are never on screen: what is offered is what is not disabled.
    expect(column.locator("optgroup[label='Staff']")).not_to_have_attribute("disabled", "")
    expect(column.locator("optgroup[label='Bookings']")).to_have_attribute("disabled", "")
    column.select_option(label="headcount (number)")
    page.get_by_label("Aggregate").select_option("sum")
    page.get_by_role("button", name="Add to Board").click()
    expect(page.get_by_text("Sum of headcount").first).to_be_visible()
    widget = Widget.objects.get(kind=Widget.Kind.KPI)
    assert (widget.dataset.name, widget.kpi_column) == ("Staff", "headcount")


def test_the_confirmation_message_shows_only_when_asked_for(
    world, sign_in, live_server, receiver_connection
):
    page = sign_in("erin")
    page.goto(f"{live_server.url}/boards/{world.sales_board.pk}/widgets/add/api-request/")
    message = page.get_by_label("Confirmation message")
    expect(message).to_be_hidden()
    page.get_by_label("Ask for confirmation before sending").check()
    expect(message).to_be_visible()
    page.get_by_label("Ask for confirmation before sending").uncheck()
    expect(message).to_be_hidden()
