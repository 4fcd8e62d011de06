"""A board renders in the same number of queries whatever its widget count: data widgets' rows
and figures are fetched for all of them at once, not per widget."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from boards.models import Widget
from boards.services import widget_create
from datasets.models import Dataset, DatasetColumn, DatasetRow
from datasets.services import dataset_stats_recompute
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
    # The first ten through the services, as a builder adds them; beyond those, straight to
    # the tables (placing each widget on the grid is most of a large board's set-up time).
    fill(world, make_dataset, connection, min(count, 10) - 1, first=1)
    fill_in_bulk(world, connection, count - min(count, 10))
    assert Widget.objects.filter(board=world.sales_board).count() == count * 4

    queries = board_queries(world)

    assert queries == baseline
    assert queries == BOARD_QUERIES
    assert board_queries(world, drawn=True) == BOARD_QUERIES_DRAWN


def fill_in_bulk(world, connection_, count: int) -> None:
    """As `fill`, written straight to the tables (the services place each widget on the grid
    one at a time, which for hundreds of widgets is most of a test's time)."""
    rows = [{"region": f"Region {n}", "revenue": n * 10} for n in range(30)]
    position = Widget.objects.filter(board=world.sales_board).count()
    for n in range(count):
        dataset = Dataset.objects.create(workspace=world.acme, name=f"Bulk {n}", version=1)
        DatasetColumn.objects.bulk_create(
            DatasetColumn(dataset=dataset, name=name, kind=kind, position=at)
            for at, (name, kind) in enumerate([("region", "text"), ("revenue", "number")])
        )
        DatasetRow.objects.bulk_create(
            DatasetRow(dataset=dataset, position=at, values=values)
            for at, values in enumerate(rows)
        )
        dataset_stats_recompute(dataset=dataset)
        dataset.applications.set([world.sales])
        kinds: list[tuple[str, dict[str, Any]]] = [
            (Widget.Kind.TABLE, {"dataset": dataset}),
            (
                Widget.Kind.KPI,
                {"dataset": dataset, "kpi_column": "revenue", "kpi_aggregate": "sum"},
            ),
            (Widget.Kind.ACTION, {"connection": connection_, "button_label": f"Bulk {n}"}),
            (Widget.Kind.TEXT, {"text": f"Bulk note {n}"}),
        ]
        for kind, fields in kinds:
            Widget.objects.create(board=world.sales_board, kind=kind, position=position, **fields)
            position += 1


def test_a_board_of_200_widgets_of_each_kind_renders_in_the_same_queries(
    world, make_dataset, connection
):
    fill(world, make_dataset, connection, 1)
    baseline = board_queries(world)
    fill_in_bulk(world, connection, 199)
    assert Widget.objects.filter(board=world.sales_board).count() == 800

    assert board_queries(world) == baseline == BOARD_QUERIES
    assert board_queries(world, drawn=True) == BOARD_QUERIES_DRAWN


def test_the_table_shows_each_datasets_first_rows(world, make_dataset, connection):
    fill(world, make_dataset, connection, 3)
    html = world.client_for("victor").get(reverse("boards:detail", args=[world.sales_board.pk]))
    page = html.content.decode()
    assert page.count(">Region 24<") == 3  # the 25th row of each of the 3 tables
    assert ">Region 25<" not in page  # the first page only
