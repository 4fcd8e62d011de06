"""What Table and KPI widgets show, read from a dataset's rows.

Aggregates are computed in Python over the rows' JSON, not in SQL: a cast of a stray text value
fails the whole query on PostgreSQL but not on SQLite, and extracting one key is lossy on SQLite
(Django reads the text "null" back as None and "12" as 12). Reading whole rows is exact on both.
The result is cached per dataset version, so a 100,000-row dataset is read once per import, not
once per viewer per refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from boards.models import Widget
from boards.widgets.formatting import format_aggregate, format_number, to_decimal
from datasets.models import Dataset, DatasetColumn, DatasetRow

TABLE_PAGE_SIZE = 25
NUMERIC_AGGREGATES = {Widget.Aggregate.SUM, Widget.Aggregate.AVERAGE}


@dataclass(frozen=True)
class Cell:
    text: str
    is_number: bool


@dataclass(frozen=True)
class TablePage:
    columns: list[DatasetColumn]
    rows: list[list[Cell]]
    total_rows: int
    updated_at: datetime | None
    updated_today: bool


@dataclass(frozen=True)
class KpiFigure:
    value: str | None  # None: nothing to show yet (no rows, or no numbers in the column)
    column: str
    aggregate_label: str
    updated_at: datetime | None
    updated_today: bool
    problem: str = ""  # set when the widget's setup no longer matches its dataset


def _is_today(moment: datetime | None) -> bool:
    return moment is not None and timezone.localdate(moment) == timezone.localdate()


def _cell(value: object, column: DatasetColumn) -> Cell:
    if value is None:
        return Cell("", False)
    if column.kind == DatasetColumn.Kind.NUMBER:
        number = to_decimal(value)
        if number is not None:
            return Cell(format_number(number), True)
    return Cell(str(value), False)


def table_page(*, dataset: Dataset) -> TablePage:
    """The first page of rows. Columns come prefetched with the dataset when rendering a board."""
    columns = list(dataset.columns.all())
    rows = [
        [_cell(row.values.get(column.name), column) for column in columns]
        for row in DatasetRow.objects.filter(dataset=dataset).order_by("position")[:TABLE_PAGE_SIZE]
        if isinstance(row.values, dict)
    ]
    total = len(rows) if len(rows) < TABLE_PAGE_SIZE else dataset.rows.count()
    return TablePage(
        columns=columns,
        rows=rows,
        total_rows=total,
        updated_at=dataset.updated_at,
        updated_today=_is_today(dataset.updated_at),
    )


def _column_values(dataset: Dataset, column: str) -> list[object]:
    """One column of every row, in row order; rows stream in chunks rather than all at once."""
    rows = (
        DatasetRow.objects.filter(dataset=dataset)
        .order_by("position")
        .values_list("values", flat=True)
    )
    return [
        values.get(column) if isinstance(values, dict) else None
        for values in rows.iterator(chunk_size=2000)
    ]


def _aggregate(values: list[object], aggregate: str, column: DatasetColumn) -> str | None:
    present = [value for value in values if value is not None and value != ""]
    if aggregate == Widget.Aggregate.COUNT:
        return format_aggregate(Decimal(len(present)))
    if aggregate == Widget.Aggregate.LATEST:
        if not present:
            return None
        latest = present[-1]
        number = to_decimal(latest) if column.kind == DatasetColumn.Kind.NUMBER else None
        return format_number(number) if number is not None else str(latest)
    numbers = [number for number in map(to_decimal, present) if number is not None]
    if not numbers:
        return None
    total = sum(numbers, Decimal(0))
    if aggregate == Widget.Aggregate.SUM:
        return format_aggregate(total)
    return format_aggregate(total / len(numbers))


def kpi_figure(*, widget: Widget, dataset: Dataset) -> KpiFigure:
    columns = {column.name: column for column in dataset.columns.all()}
    column = columns.get(widget.kpi_column)
    label = widget.get_kpi_aggregate_display()
    figure = {
        "column": widget.kpi_column,
        "aggregate_label": label,
        "updated_at": dataset.updated_at,
        "updated_today": _is_today(dataset.updated_at),
    }
    # A later import may have changed the dataset's columns under an existing widget.
    if column is None:
        return KpiFigure(value=None, problem=f"The column {widget.kpi_column} is gone.", **figure)
    if widget.kpi_aggregate in NUMERIC_AGGREGATES and column.kind != DatasetColumn.Kind.NUMBER:
        problem = f"The column {column.name} no longer holds numbers."
        return KpiFigure(value=None, problem=problem, **figure)
    key = f"boards:kpi:{dataset.pk}:{dataset.version}:{widget.kpi_aggregate}:{column.pk}"
    value = cache.get(key)
    if value is None:
        value = _aggregate(_column_values(dataset, column.name), widget.kpi_aggregate, column)
        # "" stands for "no value" so an empty result is cached too.
        cache.set(key, value or "", timeout=3600)
    return KpiFigure(value=value or None, **figure)
