"""Reading a spooled CSV upload: lines of bounded length, and cells turned into typed values.

The csv module reads a whole record (every line of a quoted value that spans lines) before it
looks at it, so a file that is one 26 MB line would sit in memory several times over: as bytes,
as text and as a list of cells. `BoundedLines` hands csv at most a set number of bytes per
record and raises `RecordTooLong` as soon as a record passes it, without reading further.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO

from datasets.models import DatasetColumn

# csv's own limit for one value, and generous for planning data. A row parses into about ten
# times its size at worst (thousands of tiny cells): still less than a successful import's batch.
MAX_ROW_BYTES = 128 * 1024
INTEGER_PATTERN = re.compile(r"[+-]?\d+")
DECIMAL_PATTERN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
ISO_DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


class NotUtf8(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class RecordTooLong(Exception):
    def __init__(self, *, line: int, limit: int) -> None:
        super().__init__(line, limit)
        self.line = line  # where the record starts
        self.limit = limit


class BoundedLines:
    """The file's lines as text, for csv.reader; call `record_done()` after each record it yields.

    The first record may have `first_record_bytes`, every later one `record_bytes`, line endings
    inside quoted values included. Decoding goes line by line, so a bad byte is reported on its
    own line: safe for UTF-8, where a newline byte never occurs inside a multi-byte character.
    Line endings are kept, as csv needs them to read quoted values that span lines.
    """

    def __init__(self, csv_file: IO[bytes], *, first_record_bytes: int, record_bytes: int) -> None:
        self._file = csv_file
        self._readline = csv_file.readline
        self._limit = first_record_bytes
        self._later_limit = record_bytes
        self._used = 0
        self._line = 0
        self._record_line = 1

    def __iter__(self) -> BoundedLines:
        return self

    def __next__(self) -> str:
        # Called for every line of files of millions: locals, and the ending looked at only
        # for a line that reaches the limit.
        used, limit = self._used, self._limit
        # Two bytes over what is left, so a record that ends exactly at the limit still gets its
        # "\r\n"; at least two, so that an empty read means the end of the file.
        raw = self._readline(max(limit - used, 0) + 2)
        if not raw:
            raise StopIteration
        line = self._line = self._line + 1
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        used = self._used = used + len(raw)
        if used > limit and used - _ending_length(raw) > limit:
            raise RecordTooLong(line=self._record_line, limit=limit)
        try:
            return raw.decode()  # UTF-8
        except UnicodeDecodeError:
            raise NotUtf8(line) from None

    def record_done(self) -> None:
        self._limit = self._later_limit
        self._used = 0
        self._record_line = self._line + 1

    def more_follows(self) -> bool:
        """Whether the file goes on after what was read (reads one more byte to know)."""
        return bool(self._file.read(1))


def _ending_length(raw: bytes) -> int:
    if raw.endswith(b"\r\n"):
        return 2
    return 1 if raw.endswith(b"\n") else 0


def quoted(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def _to_text(raw: str) -> str | None:
    return raw if raw.strip() else None


def _to_number(raw: str) -> int | float | None:
    value = raw.strip()
    if not value:
        return None
    if INTEGER_PATTERN.fullmatch(value) and len(value) <= 18:
        return int(value)
    # Decimal first: float() would also take "nan", "inf" and "1_000".
    if not DECIMAL_PATTERN.fullmatch(value):
        raise ValueError(f"{quoted(raw)} is not a number")
    try:
        number = float(Decimal(value))
    except (InvalidOperation, OverflowError):
        raise ValueError(f"{quoted(raw)} is not a number") from None
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"{quoted(raw)} is too large a number")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _to_date(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    try:
        if not ISO_DATE_PATTERN.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{quoted(raw)} is not a date (YYYY-MM-DD)") from None


CONVERTERS: dict[str, Callable[[str], object]] = {
    DatasetColumn.Kind.TEXT: _to_text,
    DatasetColumn.Kind.NUMBER: _to_number,
    DatasetColumn.Kind.DATE: _to_date,
}
