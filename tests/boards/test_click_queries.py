"""A click runs in a fixed, small number of queries: session, user, one read of the membership,
board and widget together (boards/action_reads.py), then the ledger: on SQLite one short
transaction (lock, one read of everything the decision needs, record), on PostgreSQL one call
of a database function doing the same. The partial it answers with reads nothing more (the
navigation bar's workspace is not drawn)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.models import Delivery
from tests.boards.test_click import HTMX

# Session, user, the board and its widget (with the membership check); then, in the ledger
# transaction, the lock row, one read of the connection's state (enabled and shared), the repeat
# check and the quota count together, and the insert. BEGIN and COMMIT are not counted here.
CLICK_QUERIES = 6
# The same, the ledger being one statement (integrations/services/delivery_start_statement.py).
CLICK_QUERIES_POSTGRESQL = 4


def clicks_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, headers=HTMX)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_click_runs_in_a_fixed_number_of_queries(world, action_widget, queued_tasks):
    client = world.client_for("victor")
    url = reverse("boards:widget_click", args=[world.sales_board.pk, action_widget.pk])
    clicks_queries(client, url)  # the host's lock row is created by its first click
    Delivery.objects.update(state=Delivery.State.FINAL, outcome=Delivery.Outcome.SUCCEEDED)

    queries = clicks_queries(client, url)

    statements = [sql for sql in queries if not sql.startswith(("SAVEPOINT", "RELEASE"))]
    expected = CLICK_QUERIES_POSTGRESQL if connection.vendor == "postgresql" else CLICK_QUERIES
    assert len(statements) == expected, "\n".join(statements)
    assert Delivery.objects.filter(state=Delivery.State.WAITING).count() == 1
