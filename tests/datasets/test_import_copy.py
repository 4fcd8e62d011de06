"""PostgreSQL takes an import's rows through COPY, other databases through executemany: both
store exactly the values the file holds, byte for byte."""

from __future__ import annotations

import io
import json

import pytest
from django.db import connection

from datasets.import_parsing import CsvRows
from datasets.import_writing import chunk_writer, copy_chunk_write, executemany_chunk_write
from datasets.importer import dataset_rows_import
from datasets.models import Dataset, DatasetRow
from datasets.selectors import dataset_rows_visible
from datasets.services import dataset_create, import_configuration_create

pytestmark = pytest.mark.django_db

COLUMNS = [("note", "text"), ("amount", "number"), ("day", "date")]
TRICKY_CSV = (
    "note,amount,day\n"
    "C:\\path\\to\\file,0.1,2030-02-28\n"
    "\\N,1e3,2031-12-31\n"  # COPY's own spelling of NULL, as text
    '"He said ""hi"", twice",-0,\n'
    '"tab\there",1.5E-3,2030-01-01\n'
    '"line one\nline two\r\nline three",12345678901234.5678,\n'
    "Zürich — 東京 🚀 \u2028 end,  42  ,2030-06-15\n"
    ",,\n"
    '"\\\\ two backslashes \\\\",007,2030-01-01\n'
    '"{""json"": [1, 2]}",-12.50,2030-01-01\n'
    "\u0001 control,+3,2030-01-01\n"
).encode()


def imported(world, name: str) -> Dataset:
    dataset = dataset_create(workspace=world.acme, name=name, columns=COLUMNS)
    configuration = import_configuration_create(
        workspace=world.acme, name=f"{name} push", dataset=dataset, mode="replace"
    )
    dataset_rows_import(configuration=configuration, csv_file=io.BytesIO(TRICKY_CSV))
    return Dataset.objects.get(pk=dataset.pk)


def stored_text(dataset: Dataset) -> list[tuple[int, str]]:
    """Positions and values as the database hands them back as text."""
    table = DatasetRow._meta.db_table
    cast = '"values"::text' if connection.vendor == "postgresql" else '"values"'
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT position, {cast} FROM {table} WHERE dataset_id = %s ORDER BY position",  # noqa: S608
            [dataset.pk],
        )
        return list(cursor.fetchall())


def test_it_stores_exactly_the_values_the_file_holds(world):
    dataset = imported(world, "Tricky")
    expected = list(CsvRows(csv_file=io.BytesIO(TRICKY_CSV), columns=list(dataset.columns.all())))
    assert len(expected) == 10
    assert list(dataset_rows_visible(dataset=dataset).values_list("values", flat=True)) == expected
    assert expected[0]["note"] == "C:\\path\\to\\file" and expected[1]["note"] == "\\N"
    assert expected[4]["note"] == "line one\nline two\r\nline three"
    assert [row["amount"] for row in expected[:5]] == [0.1, 1000, 0, 0.0015, 12345678901234.568]
    assert expected[6] == {"note": None, "amount": None, "day": None}
    if connection.vendor == "sqlite":  # stored as the text Django's JSONField would write
        assert [text for _, text in stored_text(dataset)] == [json.dumps(v) for v in expected]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="COPY is PostgreSQL's: the PostgreSQL lane compares it with executemany",
)
def test_copy_and_executemany_store_the_same_rows(world, monkeypatch):
    assert chunk_writer() is copy_chunk_write
    by_copy = imported(world, "By COPY")
    monkeypatch.setattr("datasets.import_writing.chunk_writer", lambda: executemany_chunk_write)
    by_insert = imported(world, "By executemany")
    assert stored_text(by_copy) == stored_text(by_insert)
    assert len(stored_text(by_copy)) == 10
    copied = list(dataset_rows_visible(dataset=by_copy).values_list("values", flat=True))
    inserted = list(dataset_rows_visible(dataset=by_insert).values_list("values", flat=True))
    assert copied == inserted
    assert by_copy.column_stats == by_insert.column_stats
    assert (by_copy.row_generation, by_copy.row_end) == (by_insert.row_generation, 10)
