"""Reading an import's CSV: the header matched to the dataset's columns, then each row checked
and turned into typed values, with line-numbered errors.

`CsvRows` yields the file's rows one at a time, so the importer can write them as they come. A
wrong row does not stop the reading at once: the rest is still read (and nothing more yielded)
to report a few more problems together; once the file is read, ImportFailed carries them all.
The same loop collects the column statistics KPI widgets show (datasets.stats). A dry run and a
real import go through this one class, so they report exactly the same errors.

Both ways read the file in batches. Iterating gives values dicts, every row checked the careful
way, which says what is wrong and where. `json_texts()` gives the rows as the JSON texts the rows
table stores, and is what imports use: datasets.import_columns turns plain batches into texts a
column at a time, and a batch it declines is read the careful way, so both give the same rows,
statistics and errors.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import IO, TypeVar

from django.conf import settings

from datasets.csv_reading import (
    CONVERTERS,
    MAX_ROW_BYTES,
    BoundedLines,
    NotUtf8,
    RecordTooLong,
    quoted,
)
from datasets.errors import MAX_ERROR_CHARS, MAX_REPORTED_ERRORS, ImportFailed, joined_within
from datasets.import_columns import BatchEncoder
from datasets.models import DatasetColumn
from datasets.stats import StatsCollector

Mapping = list[tuple[str, Callable[[str], object]]]
# Rows per batch of json_texts(): long enough for its C loops to pay, short enough to stay small
# in memory whatever a row holds.
BATCH_ROWS = 1000
_READ_ERRORS = (NotUtf8, RecordTooLong, csv.Error)
_Row = TypeVar("_Row")


def _as_is(values: dict[str, object]) -> dict[str, object]:
    return values


class CsvRows:
    """The rows of `csv_file` for `columns`, as values dicts (column name → JSON value), or as
    their JSON texts (`json_texts()`).

    Read it once, either way. It raises ImportFailed for a header that does not match (before
    any row), and at the end of the file if any row was wrong. `received` counts the rows read so
    far and `stats` describes the rows yielded.
    """

    def __init__(self, *, csv_file: IO[bytes], columns: list[DatasetColumn]) -> None:
        self._columns = columns
        self._lines = BoundedLines(
            csv_file,
            first_record_bytes=settings.IMPORT_MAX_HEADER_BYTES,
            record_bytes=MAX_ROW_BYTES,
        )
        self.received = 0
        self.stats = StatsCollector([(column.name, column.kind) for column in columns])

    def __iter__(self) -> Iterator[dict[str, object]]:
        return self._read(fast=None, made=_as_is)

    def json_texts(self) -> Iterator[str]:
        """The rows as `json.dumps` writes the dicts iterating yields, with the same statistics,
        `received` and errors: plain batches a column at a time, the rest row by row."""
        return self._read(fast=self._batch_encoder, made=json.dumps)

    def _batch_encoder(self, mapping: Mapping) -> Callable[[list[list[str]]], list[str] | None]:
        kinds = {column.name: column.kind for column in self._columns}
        names = [name for name, _ in mapping]
        return BatchEncoder(names, [kinds[name] for name in names], self.stats).encode

    def _read(self, *, fast, made: Callable[[dict[str, object]], _Row]) -> Iterator[_Row]:
        """The rows, read in batches: `fast(mapping)` (if given) turns a batch into rows, or
        declines it with None; declined batches are read row by row, each values dict passed
        through `made`. Raises ImportFailed at the end if any row was wrong."""
        lines = self._lines
        reader = csv.reader(lines)
        errors: list[str] = []
        rest_unchecked = False
        try:
            mapping = self._header(reader)
        except _READ_ERRORS as error:
            raise ImportFailed([_read_error_message(error, reader)]) from None
        encode = fast(mapping) if fast is not None else None
        careful = _CarefulBatch(mapping, self.stats, errors)
        batch_rows = BATCH_ROWS
        while True:
            records: list[list[str]] = []
            ends: list[int] = []  # the line each record ends on, for its errors
            read_error = None
            keep, end, record_done = records.append, ends.append, lines.record_done
            try:
                for record in reader:
                    record_done()
                    if record:  # not a blank line
                        keep(record)
                        end(reader.line_num)
                        if len(records) == batch_rows:
                            break
            except _READ_ERRORS as error:
                # Said after the rows read before it, which are still checked.
                read_error = _read_error_message(error, reader)
            rows = encode(records) if encode is not None and records and not errors else None
            if rows is None:
                values, stopped_at = careful.read(records, ends)
                rows = list(map(made, values))
                self.received += len(records) if stopped_at is None else stopped_at + 1
                if stopped_at is not None:  # enough errors: the rest is not read
                    rest_unchecked = (
                        stopped_at < len(records) - 1
                        or reader.line_num > ends[stopped_at]
                        or read_error is not None
                        or lines.more_follows()
                    )
                    break
            else:
                self.received += len(records)
            yield from rows
            if read_error is not None:
                errors.append(read_error)
                break
            if len(records) < batch_rows:
                break  # the end of the file
        if errors:
            raise ImportFailed(errors, rows_received=self.received, rest_unchecked=rest_unchecked)

    def _header(self, reader) -> Mapping:
        header = next(reader, None)
        if header is None:
            raise ImportFailed(["Line 1: the file is empty; the first line must name the columns."])
        self._lines.record_done()
        _refuse_nul(header, reader.line_num)
        return _match_header(header, self._columns)


class _CarefulBatch:
    """Rows read one at a time, as iterating CsvRows reads them: for the batches that
    datasets.import_columns declines. Errors go into the shared `errors`; once any row was
    wrong, no more rows are given (the import fails), but rows are still checked."""

    def __init__(self, mapping: Mapping, stats: StatsCollector, errors: list[str]) -> None:
        self._mapping = mapping
        self._quick = _quick_converter(mapping)
        self._stats = stats
        self._errors = errors

    def read(
        self, records: list[list[str]], ends: list[int]
    ) -> tuple[list[dict[str, object]], int | None]:
        """The good rows' values (none after an error), and the index of the row after which
        reading stopped because MAX_REPORTED_ERRORS were found (None if it did not)."""
        errors = self._errors
        good: list[dict[str, object]] = []
        for index, (record, line) in enumerate(zip(records, ends, strict=True)):
            try:
                values = self._quick(record) or _convert_row(record, self._mapping, line)
            except ImportFailed as failure:
                errors.extend(failure.errors)
                if len(errors) >= MAX_REPORTED_ERRORS:
                    return good, index
                continue
            if not errors:
                self._stats.add(values)
                good.append(values)
        return good, None


def _read_error_message(error: Exception, reader) -> str:
    if isinstance(error, NotUtf8):
        return f"Line {error.line}: the file is not UTF-8 text."
    if isinstance(error, RecordTooLong):
        return _too_long_message(error)
    return f"Line {reader.line_num}: {error}."


def _match_header(header: list[str], columns: list[DatasetColumn]) -> Mapping:
    """Map each CSV position to a dataset column. Names match ignoring case and outer spaces."""
    by_name = {column.name.casefold(): column for column in columns}
    problems: list[str] = []
    problem_count = 0
    matched: Mapping = []
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


def _quick_converter(mapping: Mapping) -> Callable[[list[str]], dict[str, object] | None]:
    """The values of a good row, without the bookkeeping of `_convert_row`; None for a row
    that is not, which `_convert_row` then reads again to say why. Most rows are good, and this
    loop runs once per row of files of millions."""
    names = [name for name, _ in mapping]
    converters = [convert for _, convert in mapping]
    width = len(mapping)

    def convert(record: list[str]) -> dict[str, object] | None:
        if len(record) != width or "\x00" in "".join(record):
            return None
        try:
            # Lengths checked above: strict zips would only check them again.
            typed = [to_value(raw) for to_value, raw in zip(converters, record)]  # noqa: B905
            return dict(zip(names, typed))  # noqa: B905
        except ValueError:
            return None

    return convert


def _convert_row(record: list[str], mapping: Mapping, line: int) -> dict[str, object]:
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
