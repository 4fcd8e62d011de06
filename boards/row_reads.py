"""Model instances from one hand-written statement's row, as `select_related` would build them.

The hot reads of a board (boards/board_reads.py, boards/action_reads.py) are written as SQL:
assembling the ORM's queries for "the user may open this board" cost more than running them.
Their rows still become ordinary model instances (`Model.from_db`, each column through the
database's and the field's converters), so the code and templates after them cannot tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection as db_connection
from django.db.models import Model


@dataclass(frozen=True)
class Part:
    """One model's columns in the row: the model, the table alias the SQL gives it and the
    fields read, in the order their columns come."""

    model: type[Model]
    alias: str
    fields: Sequence[Any]


@dataclass(frozen=True)
class _Hydrator:
    """How one part's values become an instance, worked out once rather than per request."""

    model: type[Model]
    attnames: list[str]
    converters: list[tuple[Any, list[Any]]]  # (column, converters) per field


class RowRead:
    """A statement whose row begins with the columns of `parts` (see `columns`), followed by
    any values of its own."""

    def __init__(self, parts: Sequence[Part]) -> None:
        self.parts = list(parts)
        self._hydrators: dict[str, list[_Hydrator]] = {}

    def columns(self) -> str:
        """The SELECT list's start: every part's columns, aliased."""
        quote = db_connection.ops.quote_name
        return ", ".join(
            f"{part.alias}.{quote(field.column)}" for part in self.parts for field in part.fields
        )

    def instances(self, row: Sequence[Any]) -> tuple[list[Model | None], list[Any]]:
        """The row's instances, one per part (None for a LEFT JOIN that found nothing), and the
        values after them."""
        found: list[Model | None] = []
        start = 0
        for hydrator in self._for_vendor():
            values = row[start : start + len(hydrator.attnames)]
            start += len(hydrator.attnames)
            found.append(_instance(hydrator, values))
        return found, list(row[start:])

    def _for_vendor(self) -> list[_Hydrator]:
        vendor = db_connection.vendor
        if vendor not in self._hydrators:
            self._hydrators[vendor] = [_hydrator(part) for part in self.parts]
        return self._hydrators[vendor]


def _hydrator(part: Part) -> _Hydrator:
    table = part.model._meta.db_table
    converters = []
    for field in part.fields:
        column = field.get_col(table)
        found = db_connection.ops.get_db_converters(column)
        converters.append((column, found + field.get_db_converters(db_connection)))
    return _Hydrator(part.model, [field.attname for field in part.fields], converters)


def _instance(hydrator: _Hydrator, values: Sequence[Any]) -> Model | None:
    converted = []
    for (column, converters), value in zip(hydrator.converters, values, strict=True):
        for convert in converters:
            value = convert(value, column, db_connection)
        converted.append(value)
    if converted[0] is None:  # the LEFT JOIN found no row (a widget without a connection)
        return None
    return hydrator.model.from_db(db_connection.alias, hydrator.attnames, converted)
