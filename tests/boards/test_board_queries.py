"""A board renders in the same number of queries whatever its widget count: data widgets' rows
and figures are fetched for all of them at once, not per widget."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from boards.models import Widget
from boards.services import widget_create
from tests.boards.conftest import add_action, add_kpi

BOARD_QUERIES = 9
# An unchanged board whose grid is already drawn (boards/grid_cache.py): session, user, the
# board with whether this user may open and change it (boards/board_reads.py), its stamp and
# the workspace menu.
BOARD_QUERIES_DRAWN = 5


def board_queries(world, persona: str = "victor", *, drawn: bool = False) -> int:
    if not drawn:
        cache.clear()
    client = world.client_for(persona)
    url = reverse("boards:detail", args=[world.sales_board.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def fill(world, make_dataset, connection_, count: int, *, first: int = 0) -> None:
    """`count` widgets of each kind, each data widget on a dataset of its own with 30 rows."""
    rows = [{"region": f"Region {n}", "revenue": n * 10} for n in range(30)]
    for n in range(first, first + count):
        dataset = make_dataset(f"Forecast {n}", rows=rows)
        widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=dataset)
        add_kpi(world, dataset)
        add_action(world.sales_board, connection_, button_label=f"Run {n}")
        widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text=f"Note {n}")


@pytest.mark.parametrize("count", [1, 10, 50])
def test_a_board_renders_in_the_same_queries_whatever_its_size(
    world, make_dataset, connection, count
):
    fill(world, make_dataset, connection, 1)
    baseline = board_queries(world)
    fill(world, make_dataset, connection, count - 1, first=1)

    queries = board_queries(world)

    assert queries == baseline
    assert queries == BOARD_QUERIES
    assert board_queries(world, drawn=True) == BOARD_QUERIES_DRAWN


def test_the_table_shows_each_datasets_first_rows(world, make_dataset, connection):
    fill(world, make_dataset, connection, 3)
    html = world.client_for("victor").get(reverse("boards:detail", args=[world.sales_board.pk]))
    page = html.content.decode()
    assert page.count(">Region 24<") == 3  # the 25th row of each of the 3 tables
    assert ">Region 25<" not in page  # the first page only
