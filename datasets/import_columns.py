"""The common case of an import, a column at a time: a batch of well-formed rows turned into the
JSON texts the rows table stores, with their statistics, mostly inside C loops (map, join,
zip) rather than one Python call per value.

`BatchEncoder.encode` returns None as soon as anything in the batch is less plain than that (a
value it does not take, a row of the wrong width, a NUL): the caller then reads the same rows
the careful way (datasets.import_parsing), row by row, which says what is wrong and where. So
this module never decides what is an error; it only has to agree, on the rows it accepts, with
`json.dumps` of what the careful path makes of them, and tests hold it to that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring_ascii  # what json.dumps uses for text

from datasets.models import DatasetColumn
from datasets.stats import StatsCollector

_EXACT_FLOAT_LIMIT = 2**53  # the careful path keeps whole floats below this as ints
_LONGEST_EXACT_INTEGER = 18  # characters; longer integer text goes through float there too
_INTEGER_CHARACTERS = frozenset("0123456789+-")
_DECIMAL_CHARACTERS = frozenset("0123456789+-.eE")
_DATE_CHARACTERS = frozenset("0123456789-")


@dataclass
class ColumnBatch:
    """One column of a batch: each row's JSON text for it, and what its statistics gain."""

    fragments: list[str]
    count: int = 0
    latest: object = None
    int_sum: int = 0
    # Every non-whole number's JSON text, in row order: the statistics add them as Decimals.
    decimal_texts: list[str] = field(default_factory=list)


def _text_column(raw: Sequence[str]) -> ColumnBatch | None:
    stripped = list(map(str.strip, raw))
    if all(stripped):
        return ColumnBatch(list(map(encode_basestring_ascii, raw)), len(raw), raw[-1])
    pairs = list(zip(raw, stripped))  # noqa: B905 (one list from the other)
    fragments = [encode_basestring_ascii(value) if kept else "null" for value, kept in pairs]
    present = [value for value, kept in pairs if kept]
    return ColumnBatch(fragments, len(present), present[-1] if present else None)


def _date_column(raw: Sequence[str]) -> ColumnBatch | None:
    stripped = list(map(str.strip, raw))
    # Blanks too go the careful way: rare in a date column.
    if set(map(len, stripped)) != {10} or not set("".join(stripped)) <= _DATE_CHARACTERS:
        return None
    try:
        texts = list(map(date.isoformat, map(date.fromisoformat, stripped)))
    except ValueError:
        return None
    # Written back as read, the text was the careful path's YYYY-MM-DD (fromisoformat takes
    # other ISO spellings too).
    if texts != stripped:
        return None
    return ColumnBatch(list(map('"{}"'.format, texts)), len(texts), texts[-1])


def _number_column(raw: Sequence[str]) -> ColumnBatch | None:
    stripped = list(map(str.strip, raw))
    if not all(stripped):
        return None
    characters = set("".join(stripped))
    # Over these characters int() and float() take exactly what the careful path's patterns
    # match (tests/datasets/test_import_batches.py checks every short spelling), so no pattern
    # need run per value: no spaces, underscores, other digits, "nan" or "inf" get this far.
    try:
        if characters <= _INTEGER_CHARACTERS:
            if max(map(len, stripped)) > _LONGEST_EXACT_INTEGER:
                return None
            integers = list(map(int, stripped))
            return ColumnBatch(
                list(map(repr, integers)), len(integers), integers[-1], sum(integers)
            )
        if not characters <= _DECIMAL_CHARACTERS:
            return None
        floats = list(map(float, stripped))
    except ValueError:
        return None
    # Beyond 2**53 the careful path reads short integer text exactly, as an int, and says that
    # an infinite float is too large: both its to tell.
    if max(map(abs, floats)) >= _EXACT_FLOAT_LIMIT:
        return None
    values: list[int | float] = [int(x) if x.is_integer() else x for x in floats]
    fragments = list(map(repr, values))
    whole = sum(value for value in values if type(value) is int)
    decimals = [text for value, text in zip(values, fragments) if type(value) is float]  # noqa: B905
    return ColumnBatch(fragments, len(values), values[-1], whole, decimals)


_COLUMN_ENCODERS: dict[str, Callable[[Sequence[str]], ColumnBatch | None]] = {
    DatasetColumn.Kind.TEXT: _text_column,
    DatasetColumn.Kind.NUMBER: _number_column,
    DatasetColumn.Kind.DATE: _date_column,
}


class BatchEncoder:
    """Turns batches of rows, laid out as the file's columns `names` of `kinds`, into JSON
    texts, the same ones `json.dumps` writes for the careful path's values dicts."""

    def __init__(self, names: Sequence[str], kinds: Sequence[str], stats: StatsCollector) -> None:
        self._names = list(names)
        self._encoders = [_COLUMN_ENCODERS[kind] for kind in kinds]
        self._width = len(self._names)
        self._stats = stats
        # The dict's keys as json.dumps writes them, in the file's order; % doubled for the
        # formatting below.
        parts = [json.dumps(name).replace("%", "%%") + ": %s" for name in self._names]
        self._row_template = "{" + ", ".join(parts) + "}"

    def encode(self, records: list[list[str]]) -> list[str] | None:
        """The rows' JSON texts, their statistics added; None (and no statistics added) when
        any row needs the careful path."""
        if set(map(len, records)) != {self._width}:
            return None
        columns = list(zip(*records))  # noqa: B905 (widths checked above)
        batches: list[ColumnBatch] = []
        for encoder, raw in zip(self._encoders, columns):  # noqa: B905
            if "\x00" in "".join(raw):
                return None
            batch = encoder(raw)
            if batch is None:
                return None
            batches.append(batch)
        for name, batch in zip(self._names, batches):  # noqa: B905
            self._stats.add_column_batch(
                name,
                count=batch.count,
                latest=batch.latest,
                int_sum=batch.int_sum,
                decimals=map(Decimal, batch.decimal_texts),
            )
        self._stats.rows += len(records)
        return list(map(self._row_template.__mod__, zip(*(b.fragments for b in batches))))  # noqa: B905
