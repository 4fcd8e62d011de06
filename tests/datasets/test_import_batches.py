"""Imports read rows in batches, a column at a time (datasets.import_columns), and fall back to
reading row by row wherever a batch is less plain. Whatever the file, the two ways give the same
stored texts, statistics, row counts and errors."""

from __future__ import annotations

import csv
import io
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datasets import import_parsing
from datasets.errors import ImportFailed
from datasets.import_parsing import CsvRows
from datasets.models import DatasetColumn

COLUMNS = [("day", "date"), ("Näme %s", "text"), ("amount", "number"), ("units", "number")]

NUMBERS = [
    "1", "-0", "-0.0", "007", "+3", " 42 ", "", "  ", "1e3", "1.5E-3", "0.1", "-12.50", "2.0",
    "12345678901234567", "123456789012345678", "1234567890123456789", "9007199254740993",
    "9007199254740993.0", "1e16", "1e300", "1e400", "-1e400", "1e-400", "abc", "1_000", "nan",
    "inf", "\u0661\u0662", "0.30000000000000004", "\u00a05\u00a0", "5.", ".5", "1,5",
]  # fmt: skip
DATES = [
    "2020-01-01", " 2020-02-29 ", "2021-02-29", "0000-01-01", "9999-12-31", "", " ",
    "20200101", "2020-1-1", "\uff12\uff10\uff12\uff10-01-01", "2020-13-01",
]  # fmt: skip
TEXTS = ["", " ", "a", "\u2028", "Zürich 東京 🚀", "x\x00y", '"q"', "tab\t", "%s %%", "a\nb", "\\N"]


def columns() -> list[DatasetColumn]:
    return [DatasetColumn(name=name, kind=kind) for name, kind in COLUMNS]


def outcome(read) -> dict:
    """What a way of reading gives: the texts it yielded, then its end (rows, statistics or
    the errors)."""
    texts: list[str] = []
    try:
        for text in read:
            texts.append(text)
    except ImportFailed as failure:
        return {
            "texts": texts,
            "errors": failure.errors,
            "received": failure.rows_received,
        }
    return {"texts": texts, "errors": None}


def both_ways(data: bytes) -> tuple[dict, dict]:
    careful = CsvRows(csv_file=io.BytesIO(data), columns=columns())
    by_rows = outcome(json.dumps(values) for values in careful)
    by_rows["stats"], by_rows["counted"] = careful.stats.result(), careful.received
    batched = CsvRows(csv_file=io.BytesIO(data), columns=columns())
    by_batches = outcome(batched.json_texts())
    by_batches["stats"], by_batches["counted"] = batched.stats.result(), batched.received
    return by_rows, by_batches


def csv_bytes(header: list[str], rows: list[list[str]], blank_every: int = 0) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if blank_every and number % blank_every == 0:
            out.write("\n")
    return out.getvalue().encode()


HEADER = [name for name, _ in COLUMNS]
plain_row = st.tuples(
    st.sampled_from(DATES[:2] + ["2024-12-31"]),
    st.sampled_from(["North", "South", "Zürich 東京 🚀", "%s"]),
    st.sampled_from(["1", "0.1", "-12.50", "1e3", "123456.78"]),
    st.sampled_from(["0", "7", "-3", "+4", "007"]),
).map(list)
any_row = st.one_of(
    plain_row,
    st.tuples(
        st.sampled_from(DATES), st.sampled_from(TEXTS), st.sampled_from(NUMBERS),
        st.sampled_from(NUMBERS),
    ).map(list),
    st.lists(st.sampled_from(NUMBERS + TEXTS), min_size=0, max_size=6),
)  # fmt: skip


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(import_parsing, "BATCH_ROWS", 4)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.one_of(plain_row, plain_row, plain_row, any_row), max_size=40),
    blank_every=st.sampled_from([0, 0, 3, 4]),
)
def test_batches_and_rows_agree_on_any_file(small_batches, rows, blank_every):
    by_rows, by_batches = both_ways(csv_bytes(HEADER, rows, blank_every))
    assert by_batches == by_rows


@pytest.mark.parametrize(
    "tail",
    [
        b"\xff\xfe not utf-8\n2020-01-01,a,1,2\n",
        b'2020-01-01,"never closed,1,2\n',
        b"2020-01-01,a,1,2,extra\n" * 30,
        b"2020-01-01,a,x,2\n" * 3 + b"\n\n",
        b"2020-01-01,a,x,2\n" * 20 + b"\n",
        b"2020-01-01,a,x,2\n" * 20,
        b"2020-01-01,a,1,2\r\n" * 9 + b"2020-01-01,a,1,\x00\r\n",
    ],
)
def test_batches_and_rows_agree_on_broken_files(small_batches, tail):
    data = csv_bytes(HEADER, [["2020-01-01", "a", "1", "2"]] * 5) + tail
    by_rows, by_batches = both_ways(data)
    assert by_rows["errors"], "the file is meant to be refused"
    assert by_batches == by_rows


def test_a_plain_file_is_read_in_batches_with_its_statistics():
    rows = [["2020-01-01", "North", "0.1", "1"], ["2020-01-02", "", "0.2", "2"]] * 1500
    by_rows, by_batches = both_ways(csv_bytes(HEADER, rows))
    assert by_batches == by_rows
    assert len(by_batches["texts"]) == 3000
    amount = by_batches["stats"]["columns"]["amount"]
    assert (amount["count"], amount["sum"], amount["latest"]) == (3000, "450.0", 0.2)
    assert json.loads(by_batches["texts"][1]) == {
        "day": "2020-01-02", "Näme %s": None, "amount": 0.2, "units": 2,
    }  # fmt: skip


@pytest.mark.parametrize(
    "amounts",
    [
        ["0.1", "9007199254740993"],  # exact as an int, not as a float
        ["0.5", "12345678901234567"],
        ["0.5", "1e16"],
        ["0.5", "1e400"],
        ["0.5", "-1e400"],
        ["0.5", "1e-400"],
        ["0.5", "4.0", "-0.0", " 7 "],
        ["2020", "1e3"],
    ],
)
def test_batches_and_rows_agree_on_number_columns_with_edges(small_batches, amounts):
    rows = [["2020-01-01", "a", amount, "1"] for amount in amounts]
    by_rows, by_batches = both_ways(csv_bytes(HEADER, rows))
    assert by_batches == by_rows


def test_int_and_float_take_exactly_what_the_patterns_match_over_the_plain_characters():
    # The batch path leaves out the careful path's patterns on columns made of these
    # characters only (datasets/import_columns.py): every short spelling must agree.
    from datasets.csv_reading import DECIMAL_PATTERN, INTEGER_PATTERN

    def takes(convert, text: str) -> bool:
        try:
            convert(text)
        except ValueError:
            return False
        return True

    for pattern, convert, characters, longest in (
        (INTEGER_PATTERN, int, "09+-", 6),
        (DECIMAL_PATTERN, float, "09.+-eE", 5),
    ):
        for length in range(1, longest + 1):
            for spelling in itertools.product(characters, repeat=length):
                text = "".join(spelling)
                assert (pattern.fullmatch(text) is not None) == takes(convert, text), text
