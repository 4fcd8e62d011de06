"""Importing a CSV upload into a dataset: parse it and write it, all or nothing.

`dataset_rows_import` parses the stored upload row by row, writes rows in batches inside one
transaction, and bumps the dataset's version in the same transaction, so boards see either the
old rows or the new ones, never a mix, and a run cut short leaves nothing behind (so an import
whose worker died can simply run again). The same loop collects the column statistics KPI widgets
show (datasets.stats), stored in that transaction too. Receiving the upload is
datasets.import_storage; claiming and running jobs on workers is datasets.import_runner.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from datasets.csv_reading import (
    CONVERTERS,
    MAX_ROW_BYTES,
    BoundedLines,
    NotUtf8,
    RecordTooLong,
    quoted,
)
from datasets.errors import MAX_ERROR_CHARS, MAX_REPORTED_ERRORS, ImportFailed, joined_within
from datasets.models import Dataset, DatasetColumn, DatasetRow, ImportConfiguration
from datasets.stats import StatsCollector, stats_merge

BATCH_SIZE = 2000


@dataclass(frozen=True)
class ImportResult:
    rows_received: int
    rows_imported: int


def _match_header(
    header: list[str], columns: list[DatasetColumn]
) -> list[tuple[str, Callable[[str], object]]]:
    """Map each CSV position to a dataset column. Names match ignoring case and outer spaces."""
    by_name = {column.name.casefold(): column for column in columns}
    problems: list[str] = []
    problem_count = 0
    matched: list[tuple[str, Callable[[str], object]]] = []
    seen: set[str] = set()
    for raw_name in header:
        column = by_name.get(raw_name.strip().casefold())
        if column is not None and column.name not in seen:
            seen.add(column.name)
            matched.append((column.name, CONVERTERS[column.kind]))
            continue
        problem_count += 1
        if len(problems) < MAX_REPORTED_ERRORS:  # the rest are only counted
            problems.append(
                f"unknown column {quoted(raw_name.strip())}"
                if column is None
                else f"column {column.name} appears twice"
            )
    missing = [column.name for column in columns if column.name not in seen]
    if missing:
        problem_count += 1
        label = "missing columns " if len(missing) > 1 else "missing column "
        problems.append(label + joined_within(missing, budget=80, separator=", "))
    if problem_count:
        raise ImportFailed([_header_message(problems, problem_count, columns)])
    return matched


def _header_message(problems: list[str], problem_count: int, columns: list[DatasetColumn]) -> str:
    expected = joined_within([column.name for column in columns], budget=100, separator=", ")
    frame = "Line 1: . The dataset's columns are: ."
    listed = joined_within(
        problems,
        budget=MAX_ERROR_CHARS - len(frame) - len(expected),
        separator="; ",
        total=problem_count,
        noun="problem",
    )
    return f"Line 1: {listed}. The dataset's columns are: {expected}."


def _too_long_message(error: RecordTooLong) -> str:
    if error.line == 1:
        return (
            f"Line 1: the header line is longer than {error.limit:,} bytes; "
            "it should hold only the dataset's column names."
        )
    return (
        f"Line {error.line}: the row starting here is longer than {error.limit:,} bytes, "
        "the most one row may have."
    )


def _refuse_nul(record: list[str], line: int) -> None:
    # PostgreSQL's jsonb cannot hold U+0000, and no real value needs it: refuse it everywhere.
    if any("\x00" in raw for raw in record):
        raise ImportFailed([f"Line {line}: contains a NUL character."])


def _convert_row(
    record: list[str], mapping: list[tuple[str, Callable[[str], object]]], line: int
) -> dict[str, object]:
    _refuse_nul(record, line)
    if len(record) != len(mapping):
        raise ImportFailed([f"Line {line}: expected {len(mapping)} values, found {len(record)}."])
    values: dict[str, object] = {}
    for (name, convert), raw in zip(mapping, record, strict=True):
        try:
            values[name] = convert(raw)
        except ValueError as error:
            raise ImportFailed([f"Line {line}: {error} in column {name}."]) from None
    return values


@transaction.atomic
def dataset_rows_import(
    *,
    configuration: ImportConfiguration,
    csv_file: IO[bytes],
    on_batch: Callable[[], None] | None = None,
) -> ImportResult:
    """Parse `csv_file` into the configuration's dataset: every row, or none (ImportFailed).

    `on_batch` is called after each batch of rows is written (a running job's heartbeat).
    """
    # Locking the dataset serialises imports into it (on SQLite the transaction already does).
    dataset = Dataset.objects.select_for_update().get(pk=configuration.dataset_id)
    lines = BoundedLines(
        csv_file, first_record_bytes=settings.IMPORT_MAX_HEADER_BYTES, record_bytes=MAX_ROW_BYTES
    )
    reader = csv.reader(lines)
    errors: list[str] = []
    received = 0
    rest_unchecked = False
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFailed(["Line 1: the file is empty; the first line must name the columns."])
        lines.record_done()
        _refuse_nul(header, reader.line_num)
        columns = list(dataset.columns.all())
        mapping = _match_header(header, columns)
        stats = StatsCollector([(column.name, column.kind) for column in columns])
        if configuration.mode == ImportConfiguration.Mode.REPLACE:
            DatasetRow.objects.filter(dataset=dataset).delete()
            position = 0
        else:
            last = DatasetRow.objects.filter(dataset=dataset).aggregate(last=Max("position"))
            position = 0 if last["last"] is None else last["last"] + 1
        batch: list[DatasetRow] = []
        for record in reader:
            lines.record_done()
            if not record:
                continue  # a blank line
            received += 1
            try:
                values = _convert_row(record, mapping, reader.line_num)
            except ImportFailed as failure:
                # Keep reading to report a few more problems at once; nothing more is written.
                errors.extend(failure.errors)
                if len(errors) >= MAX_REPORTED_ERRORS:
                    rest_unchecked = lines.more_follows()
                    break
                continue
            if errors:
                continue
            stats.add(values)
            batch.append(DatasetRow(dataset_id=dataset.pk, position=position, values=values))
            position += 1
            if len(batch) >= BATCH_SIZE:
                DatasetRow.objects.bulk_create(batch)
                batch.clear()
                if on_batch is not None:
                    on_batch()
    except NotUtf8 as error:
        errors.append(f"Line {error.line}: the file is not UTF-8 text.")
    except RecordTooLong as error:
        errors.append(_too_long_message(error))
    except csv.Error as error:
        errors.append(f"Line {reader.line_num}: {error}.")
    if errors:
        raise ImportFailed(errors, rows_received=received, rest_unchecked=rest_unchecked)
    DatasetRow.objects.bulk_create(batch)
    column_stats = stats.result()
    if configuration.mode != ImportConfiguration.Mode.REPLACE:
        column_stats = stats_merge(dataset.column_stats, column_stats)
    Dataset.objects.filter(pk=dataset.pk).update(
        version=F("version") + 1,
        updated_at=timezone.now(),
        column_stats=column_stats,
        row_end=position,
    )
    return ImportResult(rows_received=received, rows_imported=received)
