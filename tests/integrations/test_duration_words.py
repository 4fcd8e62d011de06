"""Durations read as people say them, and the edit pane names its parts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.egress.result import duration_words
from tests.integrations.connection_support import set_up
from tests.integrations.delivery_support import ledger_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]


@pytest.mark.parametrize(
    "milliseconds, words",
    [
        (0, "0 ms"),
        (143, "143 ms"),
        (999, "999 ms"),
        (1000, "1.0 s"),
        (2450, "2.5 s"),
        (10000, "10.0 s"),
        (14960, "15.0 s"),
    ],
)
def test_a_duration_reads_in_ms_under_a_second_then_in_seconds(milliseconds, words):
    assert duration_words(milliseconds) == words


def test_the_delivery_log_and_a_calls_page_show_seconds_for_a_slow_call(world):
    connection = set_up(world)
    ledger_rows(connection, [timezone.now() - timedelta(minutes=1)], duration_ms=10000)
    client = world.client_for("alice")
    log = client.get(reverse("integrations:delivery_log", args=[connection.pk])).content.decode()
    assert '<td data-label="Duration">10.0 s</td>' in log
    delivery = connection.deliveries.get()
    status = client.get(reverse("integrations:delivery_status", args=[delivery.pk]))
    assert "<dt>Duration</dt><dd>10.0 s</dd>" in status.content.decode()


def test_the_edit_pane_separates_settings_activity_and_a_danger_zone(world):
    connection = set_up(world)
    page = (
        world.client_for("alice")
        .get(reverse("integrations:connection_edit", args=[connection.pk]))
        .content.decode()
    )
    settings, activity, danger = (
        page.index('id="pane-settings"'),
        page.index("Test and delivery log</h3>"),
        page.index('id="pane-danger"'),
    )
    assert settings < page.index("<form", settings) < activity
    assert activity < page.index('aria-describedby="test-help-') < danger
    zone = page[danger:]
    assert "Disable</button>" in zone and "Delete…</a>" in zone
    assert "stops every Action button that uses this connection" in zone
