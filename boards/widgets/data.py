"""What Table and KPI widgets show of a dataset.

A table reads its first page of rows. A KPI reads nothing but the statistics the importer keeps
on the dataset (datasets.stats), so its cost does not grow with the rows: a board showing a
sum over two million rows opens as fast as one over ten. The importer also keeps the statistics
as they were before its import (`column_stats["previous"]`), which is how a KPI tells how far its
figure moved since then without reading a row either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from boards.models import Widget
from boards.widgets.formatting import (
    format_aggregate,
    format_date,
    format_number,
    format_percent,
)
from datasets.models import Dataset, DatasetColumn, DatasetRow
from datasets.stats import as_decimal

TABLE_PAGE_SIZE = 25
NUMERIC_AGGREGATES = {Widget.Aggregate.SUM, Widget.Aggregate.AVERAGE}


@dataclass(frozen=True)
class Cell:
    text: str
    is_number: bool
    iso_date: str = ""  # a date cell's value as imported, for its <time datetime>


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
class KpiChange:
    """How a KPI's figure moved since the dataset's previous import."""

    direction: str  # "up", "down" or "same"
    amount: str  # how far, without a sign: "4.2%", or "$1,200" when a percentage would mislead
    previous: str  # the figure before the last import, as the widget showed it

    ARROWS = {"up": "▲", "down": "▼", "same": "="}
    WORDS = {"up": "Up", "down": "Down", "same": "No change"}

    @property
    def arrow(self) -> str:
        return self.ARROWS[self.direction]

    @property
    def words(self) -> str:
        return self.WORDS[self.direction]


@dataclass(frozen=True)
class KpiFigure:
    value: str | None  # None: nothing to show yet (no rows, or no numbers in the column)
    column: str
    aggregate_label: str
    updated_at: datetime | None
    updated_today: bool
    problem: str = ""  # set when the widget's setup no longer matches its dataset
    prefix: str = ""  # shown before the value ("$"), and after it:
    suffix: str = ""  # " k", "%"
    change: KpiChange | None = None  # None: no earlier import to compare with


def _is_today(moment: datetime | None) -> bool:
    return moment is not None and timezone.localdate(moment) == timezone.localdate()


def _cell_html(cell: Cell) -> str:
    if cell.is_number:
        return format_html('<td class="num">{}</td>', cell.text)
    if cell.iso_date:
        return format_html(
            '<td class="date"><time datetime="{}">{}</time></td>', cell.iso_date, cell.text
        )
    return format_html("<td>{}</td>", cell.text)


def _cell(value: object, column: DatasetColumn) -> Cell:
    if value is None:
        return Cell("", False)
    if column.kind == DatasetColumn.Kind.NUMBER:
        number = as_decimal(value)
        if number is not None:
            return Cell(format_number(number), True)
    if column.kind == DatasetColumn.Kind.DATE and isinstance(value, str):
        # The importer stores dates as YYYY-MM-DD (datasets/csv_reading.py); anything else that
        # got in some other way is shown as it is.
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return Cell(value, False)
        return Cell(format_date(day), False, day.isoformat())
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


def _figure(stats: dict, aggregate: str, column: DatasetColumn) -> Decimal | str | None:
    """One figure from a column's statistics: a number, the latest text of a text column, or
    None when there is nothing to show yet."""
    if aggregate == Widget.Aggregate.COUNT:
        return Decimal(stats.get("count", 0))
    if aggregate == Widget.Aggregate.LATEST:
        latest = stats.get("latest")
        if latest is None:
            return None
        number = as_decimal(latest) if column.kind == DatasetColumn.Kind.NUMBER else None
        return number if number is not None else str(latest)
    numbers = stats.get("numbers", 0)
    total = as_decimal(stats.get("sum"))
    if not numbers or total is None:
        return None
    if aggregate == Widget.Aggregate.SUM:
        return total
    return total / numbers


def _shown(number: Decimal, widget: Widget) -> str:
    """A figure as the widget writes it (without prefix and suffix). A count is always whole;
    the latest value reads as imported unless the widget fixes the decimals."""
    if widget.kpi_aggregate == Widget.Aggregate.COUNT:
        return format_aggregate(number)
    if widget.kpi_aggregate == Widget.Aggregate.LATEST and widget.kpi_decimals is None:
        return format_number(number)
    return format_aggregate(number, widget.kpi_decimals)


def _change(current: Decimal, previous: Decimal, widget: Widget) -> KpiChange:
    """Compared as shown, so a sum that moved by less than its last decimal reads "No change"
    rather than "▲ 0.0%". In percent of the earlier figure, except from zero (no percentage
    exists) and for figures already in percent, where "▲ 10%" of 50% would read as 60%: the
    amount it moved, in the widget's own unit, then."""
    was = _shown(previous, widget)
    if _shown(current, widget) == was:
        return KpiChange(direction="same", amount="", previous=was)
    direction = "up" if current > previous else "down"
    delta = abs(current - previous)
    if previous and "%" not in widget.kpi_suffix:
        percent = format_percent(delta / abs(previous) * 100)
        if percent != "0.0":
            return KpiChange(direction=direction, amount=f"{percent}%", previous=was)
    amount = f"{widget.kpi_prefix}{_shown(delta, widget)}{widget.kpi_suffix}"
    return KpiChange(direction=direction, amount=amount, previous=was)


def _column_stats(stats: dict | None, column: str) -> dict:
    return ((stats or {}).get("columns") or {}).get(column) or {}


def kpi_figure(*, widget: Widget, dataset: Dataset) -> KpiFigure:
    columns = {column.name: column for column in dataset.columns.all()}
    column = columns.get(widget.kpi_column)
    label = widget.get_kpi_aggregate_display()
    figure: dict[str, Any] = {
        "column": widget.kpi_column,
        "aggregate_label": label,
        "updated_at": dataset.updated_at,
        "updated_today": _is_today(dataset.updated_at),
        "prefix": widget.kpi_prefix,
        "suffix": widget.kpi_suffix,
    }
    # A later import may have changed the dataset's columns under an existing widget.
    if column is None:
        return KpiFigure(value=None, problem=f"The column {widget.kpi_column} is gone.", **figure)
    if widget.kpi_aggregate in NUMERIC_AGGREGATES and column.kind != DatasetColumn.Kind.NUMBER:
        problem = f"The column {column.name} no longer holds numbers."
        return KpiFigure(value=None, problem=problem, **figure)
    stats = dataset.column_stats or {}
    current = _figure(_column_stats(stats, column.name), widget.kpi_aggregate, column)
    if current is None or isinstance(current, str):
        return KpiFigure(value=current, **figure)
    # Absent before a dataset's second import (and for a column the earlier import did not
    # have): no change line then.
    previous_column = _column_stats(stats.get("previous"), column.name)
    previous = _figure(previous_column, widget.kpi_aggregate, column) if previous_column else None
    change = _change(current, previous, widget) if isinstance(previous, Decimal) else None
    return KpiFigure(value=_shown(current, widget), change=change, **figure)
