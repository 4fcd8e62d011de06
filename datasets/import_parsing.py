"""Reading an import's CSV: the header matched to the dataset's columns, then each row checked
and turned into typed values, with line-numbered errors.

`CsvRows` yields the file's rows one at a time, so the importer can write them as they come. A
wrong row does not stop the reading at once: the rest is still read (and nothing more yielded)
to report a few more problems together; once the file is read, ImportFailed carries them all.
The same loop collects the column statistics KPI widgets show (datasets.stats). A dry run and a
real import go through this one class, so they report exactly the same errors.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import IO

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
from datasets.models import DatasetColumn
from datasets.stats import StatsCollector

Mapping = list[tuple[str, Callable[[str], object]]]


class CsvRows:
    """The rows of `csv_file` for `columns`, as values dicts (column name → JSON value).

    Iterate it once. It raises ImportFailed for a header that does not match (before any row),
    and at the end of the file if any row was wrong. `received` counts the rows read so far and
    `stats` describes the rows yielded.
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
        lines = self._lines
        reader = csv.reader(lines)
        errors: list[str] = []
        rest_unchecked = False
        try:
            mapping = self._header(reader)
            quick_convert = _quick_converter(mapping)
            add_stats = self.stats.add
            for record in reader:
                lines.record_done()
                if not record:
                    continue  # a blank line
                self.received += 1
                try:
                    values = quick_convert(record) or _convert_row(record, mapping, reader.line_num)
                except ImportFailed as failure:
                    # Keep reading to report a few more problems at once; nothing more is yielded.
                    errors.extend(failure.errors)
                    if len(errors) >= MAX_REPORTED_ERRORS:
                        rest_unchecked = lines.more_follows()
                        break
                    continue
                if errors:
                    continue
                add_stats(values)
                yield values
        except NotUtf8 as error:
            errors.append(f"Line {error.line}: the file is not UTF-8 text.")
        except RecordTooLong as error:
            errors.append(_too_long_message(error))
        except csv.Error as error:
            errors.append(f"Line {reader.line_num}: {error}.")
        if errors:
            raise ImportFailed(errors, rows_received=self.received, rest_unchecked=rest_unchecked)

    def _header(self, reader) -> Mapping:
        header = next(reader, None)
        if header is None:
            raise ImportFailed(["Line 1: the file is empty; the first line must name the columns."])
        self._lines.record_done()
        _refuse_nul(header, reader.line_num)
        return _match_header(header, self._columns)


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
