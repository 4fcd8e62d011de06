"""What Table and KPI widgets show of a dataset.

A table reads its first page of rows. A KPI reads nothing but the statistics the importer keeps
on the dataset (datasets.stats), so its cost does not grow with the rows: a board showing a
sum over two million rows opens as fast as one over ten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from boards.models import Widget
from boards.widgets.formatting import format_aggregate, format_number
from datasets.models import Dataset, DatasetColumn, DatasetRow
from datasets.stats import as_decimal

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

    @property
    def body_html(self) -> SafeString:
        """The table's rows as HTML, every value escaped. Built here rather than with template
        loops: a board of 50 tables has 2,500 cells, and looping over them in the template was
        most of the board's rendering time."""
        return format_html_join(
            "\n",
            "<tr>{}</tr>",
            ((SafeString("".join(_cell_html(cell) for cell in row)),) for row in self.rows),
        )


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


def _cell_html(cell: Cell) -> str:
    if cell.is_number:
        return format_html('<td class="num">{}</td>', cell.text)
    return format_html("<td>{}</td>", cell.text)


def _cell(value: object, column: DatasetColumn) -> Cell:
    if value is None:
        return Cell("", False)
    if column.kind == DatasetColumn.Kind.NUMBER:
        number = as_decimal(value)
        if number is not None:
            return Cell(format_number(number), True)
    return Cell(str(value), False)


def table_first_rows(*, datasets: list[Dataset]) -> dict[int, list[dict]]:
    """The first page of rows of each dataset, for a whole board in one query.

    An import numbers a dataset's rows from 0 with no gaps (datasets/importer.py), so the first
    page is its visible rows at positions 0 to TABLE_PAGE_SIZE - 1. A dataset whose page comes
    back shorter than its row count promises (rows removed some other way) is read on its own,
    so it still shows its first rows.
    """
    pages: dict[int, list[dict]] = {dataset.pk: [] for dataset in datasets}
    if not pages:
        return pages
    rows = _visible_rows().filter(dataset_id__in=pages, position__lt=TABLE_PAGE_SIZE)
    # Plain values, not model instances: a board of 50 tables reads 1,250 rows.
    for dataset_id, values in rows.order_by("dataset_id", "position").values_list(
        "dataset_id", "values"
    ):
        pages[dataset_id].append(values)
    for dataset in datasets:
        if len(pages[dataset.pk]) < min(TABLE_PAGE_SIZE, dataset.row_count):
            pages[dataset.pk] = _first_rows(dataset)
    return pages


def _visible_rows() -> QuerySet[DatasetRow]:
    """Rows readers may see (datasets.selectors.dataset_rows_visible), with the window read from
    the dataset in the same query rather than from the board's copy of it: an import that shows
    its rows and deletes the replaced ones between two queries would otherwise leave the
    table empty for one render."""
    return DatasetRow.objects.filter(
        generation=F("dataset__row_generation"), position__lt=F("dataset__row_end")
    )


def _first_rows(dataset: Dataset) -> list[dict]:
    rows = _visible_rows().filter(dataset_id=dataset.pk).order_by("position")
    return list(rows.values_list("values", flat=True)[:TABLE_PAGE_SIZE])


def table_page(*, dataset: Dataset, first_rows: list[dict] | None = None) -> TablePage:
    """The first page of rows (`first_rows` when the board fetched them with its other tables).
    Columns come prefetched with the dataset when rendering a board."""
    columns = list(dataset.columns.all())
    if first_rows is None:
        first_rows = _first_rows(dataset)
    rows = [
        [_cell(values.get(column.name), column) for column in columns]
        for values in first_rows
        if isinstance(values, dict)
    ]
    # The statistics' row count rather than COUNT(*), which reads a whole large dataset.
    total = len(rows) if len(rows) < TABLE_PAGE_SIZE else max(dataset.row_count, len(rows))
    return TablePage(
        columns=columns,
        rows=rows,
        total_rows=total,
        updated_at=dataset.updated_at,
        updated_today=_is_today(dataset.updated_at),
    )


def _aggregate(stats: dict, aggregate: str, column: DatasetColumn) -> str | None:
    """One figure from a column's statistics; None when there is nothing to show yet."""
    if aggregate == Widget.Aggregate.COUNT:
        return format_aggregate(Decimal(stats.get("count", 0)))
    if aggregate == Widget.Aggregate.LATEST:
        latest = stats.get("latest")
        if latest is None:
            return None
        number = as_decimal(latest) if column.kind == DatasetColumn.Kind.NUMBER else None
        return format_number(number) if number is not None else str(latest)
    numbers = stats.get("numbers", 0)
    total = as_decimal(stats.get("sum"))
    if not numbers or total is None:
        return None
    if aggregate == Widget.Aggregate.SUM:
        return format_aggregate(total)
    return format_aggregate(total / numbers)


def kpi_figure(*, widget: Widget, dataset: Dataset) -> KpiFigure:
    columns = {column.name: column for column in dataset.columns.all()}
    column = columns.get(widget.kpi_column)
    label = widget.get_kpi_aggregate_display()
    figure: dict[str, Any] = {
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
    stats = ((dataset.column_stats or {}).get("columns") or {}).get(column.name) or {}
    return KpiFigure(value=_aggregate(stats, widget.kpi_aggregate, column), **figure)
