"""Column statistics kept on each dataset, so a KPI never has to read the rows.

They are collected while the importer parses rows (it touches every value anyway) and stored on
`Dataset.column_stats` in the same transaction as the rows, as:

    {"rows": 3, "columns": {
        "region": {"count": 3, "latest": "East"},
        "revenue": {"count": 2, "latest": 800, "numbers": 2, "sum": "2000.5"}}}

`count` counts values that are neither null nor empty text; `latest` is the last such value by
row position. Number columns add `numbers` (how many values are numbers) and `sum`, a decimal
string: JSON floats would put binary noise back into a sum that is exact in Decimal.

This module reads no models, so the data migration that fills in existing datasets uses it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

NUMBER = "number"


def as_decimal(value: object) -> Decimal | None:
    """A finite number from a JSON value, or None (text, null, booleans). Boards read cell values
    with it too, so a KPI and these statistics agree on what counts as a number.

    SQLite hands JSON numbers back as int/float, PostgreSQL's ->> as text; both end up here.
    Going through str() keeps 0.1 as 0.1 rather than its binary float expansion.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class StatsCollector:
    """Accumulates statistics row by row. Built for the importer's loop: one call per row."""

    def __init__(self, columns: Sequence[tuple[str, str]]) -> None:
        """`columns` is [(name, kind), …]."""
        self._names = [name for name, _ in columns]
        self._number_names = frozenset(name for name, kind in columns if kind == NUMBER)
        self.rows = 0
        self._count = dict.fromkeys(self._names, 0)
        self._latest: dict[str, object] = dict.fromkeys(self._names)
        self._numbers = dict.fromkeys(self._number_names, 0)
        # Whole numbers add up exactly (and fast) as ints; everything else as Decimal.
        self._int_sum = dict.fromkeys(self._number_names, 0)
        self._decimal_sum = dict.fromkeys(self._number_names, Decimal(0))

    def add(self, values: dict[str, object]) -> None:
        self.rows += 1
        for name in self._names:
            value = values.get(name)
            if value is None or value == "":
                continue
            self._count[name] += 1
            self._latest[name] = value
            if name not in self._number_names:
                continue
            if type(value) is int:
                self._int_sum[name] += value
                self._numbers[name] += 1
                continue
            number = as_decimal(value)
            if number is not None:
                self._decimal_sum[name] += number
                self._numbers[name] += 1

    def add_column_batch(
        self, name: str, *, count: int, latest: object, int_sum: int, decimals: Iterable[Decimal]
    ) -> None:
        """What a batch of rows adds to one column, summed up by the caller
        (datasets.import_columns): the same as `add` of those rows would, when every value
        counted in `count` is a number in a number column. `decimals` are the non-whole numbers
        in row order; `rows` is the caller's to add."""
        if not count:
            return
        self._count[name] += count
        self._latest[name] = latest
        if name in self._number_names:
            self._numbers[name] += count
            self._int_sum[name] += int_sum
            # sum() adds in order, one after the other, as `add` does: the same rounding.
            self._decimal_sum[name] = sum(decimals, self._decimal_sum[name])

    def result(self) -> dict:
        columns: dict[str, dict] = {}
        for name in self._names:
            stats: dict[str, object] = {"count": self._count[name], "latest": self._latest[name]}
            if name in self._number_names:
                total = self._decimal_sum[name] + Decimal(self._int_sum[name])
                stats["numbers"] = self._numbers[name]
                stats["sum"] = str(total)
            columns[name] = stats
        return {"rows": self.rows, "columns": columns}


def stats_from_rows(columns: Sequence[tuple[str, str]], rows: Iterable[dict[str, object]]) -> dict:
    """Statistics of rows already stored, given in row order."""
    collector = StatsCollector(columns)
    for values in rows:
        collector.add(values if isinstance(values, dict) else {})
    return collector.result()


def stats_merge(previous: dict | None, appended: dict) -> dict:
    """The statistics after appending rows described by `appended` to rows described by
    `previous`: counts and sums add up; the latest value is the appended rows' when they have
    one, else the earlier one."""
    previous = previous or {}
    before = previous.get("columns") or {}
    merged: dict[str, dict] = {}
    for name, added in appended["columns"].items():
        old = before.get(name) or {}
        stats: dict[str, object] = {
            "count": old.get("count", 0) + added["count"],
            "latest": added["latest"] if added["latest"] is not None else old.get("latest"),
        }
        if "sum" in added:
            old_sum = as_decimal(old.get("sum")) or Decimal(0)
            stats["numbers"] = old.get("numbers", 0) + added["numbers"]
            stats["sum"] = str(old_sum + Decimal(added["sum"]))
        merged[name] = stats
    return {"rows": previous.get("rows", 0) + appended["rows"], "columns": merged}
