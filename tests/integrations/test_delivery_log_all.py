"""The workspace's delivery log: every call, also those whose connection is gone. Admins only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import Delivery
from integrations.services.deliveries import delivery_record_unavailable
from tests.integrations.delivery_support import ledger_rows
from tests.support.connections import connection_make
from tests.support.personas import PERSONAS

pytestmark = pytest.mark.django_db
Outcome = Delivery.Outcome
URL = reverse("integrations:delivery_log_all")


@pytest.fixture(autouse=True)
def _outbound(settings, fake_dns):
    settings.OUTBOUND_ALLOWLIST = []
    settings.OUTBOUND_CALLS_PER_HOUR = 100


def minutes_ago(n: int):
    return timezone.now() - timedelta(minutes=n)


@pytest.fixture
def calls(world):
    """Acme: a live connection's call, a deleted connection's call, and a click on a button whose
    connection was already gone. Globex: one call of its own."""
    live = connection_make(world.acme, name="Forecast pipeline")
    ledger_rows(live, [minutes_ago(1)], user=world.victor, widget_label="Refresh forecast")
    gone = connection_make(
        world.acme, name="Old pipeline", url="https://other.example.org/hooks/run"
    )
    ledger_rows(gone, [minutes_ago(2)], outcome=Outcome.FAILED, http_status=500)
    gone.delete()
    orphan = delivery_record_unavailable(
        workspace=world.acme,
        user=world.victor,
        board_id=world.sales_board.pk,
        widget_id=41,
        board_name="Sales Forecast",
        widget_label="Rerun import",
        detail="This button's connection was deleted",
    )
    Delivery.objects.filter(pk=orphan.pk).update(created_at=minutes_ago(3))
    globex = connection_make(world.globex, name="Globex secret pipeline")
    ledger_rows(globex, [minutes_ago(1)])
    return live


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_the_workspace_log_to_its_admins_only(world, calls, persona):
    response = world.client_for(persona).get(URL)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif persona in ("alice", "oscar"):
        page = response.content.decode()
        assert response.status_code == 200
        # Each admin sees their own workspace's calls and never the other's.
        assert ("Forecast pipeline" in page) is (persona == "alice")
        assert ("Globex secret pipeline" in page) is (persona == "oscar")
    else:
        assert response.status_code == 404


def test_it_lists_calls_of_deleted_connections_and_clicks_with_none(world, calls):
    page = world.client_for("alice").get(URL).content.decode()
    rows = page.split("<tbody>", 2)[2]  # the log table, after the calls-left table
    assert (
        rows.index("Forecast pipeline")
        < rows.index("Old pipeline")
        < rows.index("(deleted connection)")
    )
    assert "Rerun import" in rows and "This button&#x27;s connection was deleted" in rows
    assert "Refresh forecast" in rows and "other.example.org" in rows
    # A connection that still exists links to its own log; a deleted one cannot.
    assert f'href="{reverse("integrations:delivery_log", args=[calls.pk])}"' in rows
    assert rows.count('href="/integrations/api-request/') == 1


def test_it_filters_by_outcome_and_pages_25_at_a_time(world, calls):
    ledger_rows(calls, [minutes_ago(10 + n) for n in range(30)], outcome=Outcome.TIMED_OUT)
    client = world.client_for("alice")
    first = client.get(URL, {"outcome": "timed_out"}).content.decode()
    assert "Page 1 of 2" in first and "Forecast pipeline" in first
    assert 'href="?outcome=timed_out&amp;page=2"' in first
    second = client.get(URL, {"outcome": "timed_out", "page": 2}).content.decode()
    assert second.count("outcome-timed_out") == 5
    blocked = client.get(URL, {"outcome": "blocked"}).content.decode()
    assert "Rerun import" in blocked and "Refresh forecast" not in blocked


def test_it_swaps_only_the_table_when_htmx_filters(world, calls):
    page = (
        world.client_for("alice")
        .get(URL, {"outcome": "failed"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="delivery-table")
        .content.decode()
    )
    assert page.lstrip().startswith('<div id="delivery-table">')
    assert "Old pipeline" in page and "Forecast pipeline" not in page


def test_it_is_linked_from_the_integrations_page_and_each_connection_log(world, calls):
    client = world.client_for("alice")
    link = f'href="{URL}"'
    assert link in client.get(reverse("integrations:index")).content.decode()
    connection_log = reverse("integrations:delivery_log", args=[calls.pk])
    assert link in client.get(connection_log).content.decode()
