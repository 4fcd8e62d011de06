"""A dataset's rows as CSV, streamed in chunks whatever its size.

The first line names the columns; then one line per visible row in position order: numbers as
stored, dates in ISO form, empty cells for missing values. On PostgreSQL the database writes the
CSV itself (`COPY (SELECT …) TO STDOUT`), which reads one consistent snapshot and hands the rows
over in blocks; elsewhere rows are read through one cursor in chunks and written by the csv
module. Either way memory stays flat and the rows are those of the moment the export began: an
import finishing meanwhile does not mix into it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import connection

from datasets.errors import ImportRefused
from datasets.models import Dataset, DatasetRow, ImportJob
from datasets.selectors import dataset_rows_visible

# About this much CSV goes to the client at a time.
CHUNK_BYTES = 64 * 1024
ROWS_PER_FETCH = 2000


class ExportRefused(ImportRefused):
    """What the export endpoint answers instead of CSV: status, code and words, as on import."""


@dataclass(frozen=True)
class ExportPlan:
    """What one export reads: these columns of the visible rows from `start` on."""

    dataset: Dataset
    columns: tuple[str, ...]
    start: int  # the first position read: 0, or where an earlier import's rows ended

    @property
    def filename(self) -> str:
        return f"{self.dataset.name}.csv"


def dataset_export_plan(
    *, dataset: Dataset, columns: str | None, since: ImportJob | None
) -> ExportPlan:
    """The export `?columns=` and `?since=` ask for. `columns` is the raw comma-separated list
    (None: every column, in the dataset's order); `since` an import of this dataset whose rows
    and everything before them are left out. Raises ExportRefused saying what to fix."""
    names = [column.name for column in dataset.columns.all()]
    chosen = tuple(names) if columns is None else _columns_chosen(columns, names)
    start = 0 if since is None else _since_start(dataset, since)
    return ExportPlan(dataset=dataset, columns=chosen, start=start)


def _columns_chosen(raw: str, names: Sequence[str]) -> tuple[str, ...]:
    by_name = {name.casefold(): name for name in names}
    wanted = [part.strip() for part in raw.split(",")]
    if not any(wanted):
        raise ExportRefused("Name at least one column in ?columns=, e.g. ?columns=region,revenue.")
    chosen: list[str] = []
    for part in wanted:
        name = by_name.get(part.casefold())
        if name is None:
            raise ExportRefused(
                f"The dataset has no column {part!r}. Its columns are: {', '.join(names)}."
            )
        if name in chosen:
            raise ExportRefused(f"Column {name} is named twice in ?columns=.")
        chosen.append(name)
    return tuple(chosen)


def _since_start(dataset: Dataset, since: ImportJob) -> int:
    if since.status != ImportJob.Status.SUCCEEDED or since.row_end is None:
        raise ExportRefused(
            f"Import {since.id} added no rows to start from (it is {since.status}); "
            "pass the id of a succeeded import.",
            status=409,
            code="conflict",
        )
    if since.row_generation != dataset.row_generation:
        raise ExportRefused(
            f"The dataset's rows were replaced after import {since.id}, so there is nothing "
            "to read on from; export without ?since= to read every row.",
            status=409,
            code="conflict",
        )
    return since.row_end


def dataset_csv_chunks(plan: ExportPlan) -> Iterator[bytes]:
    """The export as CSV bytes, in chunks of about CHUNK_BYTES. Run it to its end or close it:
    it holds a database cursor until then."""
    if connection.vendor == "postgresql":
        return _postgresql_chunks(plan)
    return _python_chunks(plan)


class _Lines:
    """Where the csv writer puts its records, each ending in "\n" as PostgreSQL's do.

    The writer is told "\r\n" so that it quotes values holding either character (with "\n"
    alone it leaves a lone "\r" unquoted, which readers take for a line end); each record comes
    in one write, so its ending is swapped here."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, record: str) -> None:
        line = record[:-2] + "\n"
        self.parts.append(line)
        self.size += len(line)

    def take(self) -> bytes:
        text = "".join(self.parts)
        self.parts.clear()
        self.size = 0
        return text.encode()


def _header(plan: ExportPlan) -> bytes:
    lines = _Lines()
    csv.writer(lines, lineterminator="\r\n").writerow(plan.columns)
    return lines.take()


def _python_chunks(plan: ExportPlan) -> Iterator[bytes]:
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")
    writer.writerow(plan.columns)
    rows = (
        dataset_rows_visible(dataset=plan.dataset)
        .filter(position__gte=plan.start)
        .values_list("values", flat=True)
        .iterator(chunk_size=ROWS_PER_FETCH)
    )
    columns = plan.columns
    for values in rows:
        writer.writerow([_cell(values.get(name)) for name in columns])
        if lines.size >= CHUNK_BYTES:
            yield lines.take()
    yield lines.take()


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number
    return value


def _postgresql_chunks(plan: ExportPlan) -> Iterator[bytes]:
    from psycopg import sql  # PostgreSQL only

    query = sql.SQL(
        "COPY (SELECT {cells} FROM {table} WHERE dataset_id = {dataset} AND generation = "
        "{generation} AND position >= {start} AND position < {end} ORDER BY position) "
        "TO STDOUT WITH (FORMAT csv)"
    ).format(
        # ->> gives each value as text: numbers as stored, dates as their ISO text, null empty.
        cells=sql.SQL(", ").join(
            sql.SQL('"values" ->> {}').format(sql.Literal(name)) for name in plan.columns
        ),
        table=sql.Identifier(DatasetRow._meta.db_table),
        dataset=sql.Literal(plan.dataset.pk),
        generation=sql.Literal(plan.dataset.row_generation),
        start=sql.Literal(plan.start),
        end=sql.Literal(plan.dataset.row_end),
    )
    yield _header(plan)
    pending: list[bytes] = []
    size = 0
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        for block in copy:
            pending.append(bytes(block))
            size += len(block)
            if size >= CHUNK_BYTES:
                yield b"".join(pending)
                pending.clear()
                size = 0
    if pending:
        yield b"".join(pending)
