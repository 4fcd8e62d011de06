"""When the database is busy, an HTMX click says so on the page instead of failing silently."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from integrations.models import Delivery
from tests.browser.conftest import add_action, open_board

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_click_during_a_locked_database_shows_the_busy_message(
    world, live_server, page, sign_in, receiver_connection, httpserver, monkeypatch
):
    add_action(world, receiver_connection)

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("boards.views.actions.widget_click", locked)
    sign_in("victor")
    open_board(page, live_server, world)
    page.get_by_role("button", name="Refresh forecast").click()
    expect(page.locator("#page-alerts")).to_contain_text("Switchboard is busy")
    assert Delivery.objects.count() == 0
    assert httpserver.log == []
