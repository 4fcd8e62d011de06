"""Column statistics: written by the importer with the rows, merged on append, replaced on
replace, untouched by a failed import, and recomputable from stored rows."""

from __future__ import annotations

import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from hypothesis import given
from hypothesis import strategies as st

from datasets.importer import ImportFailed, dataset_rows_import
from datasets.models import Dataset, DatasetRow
from datasets.services import dataset_stats_recompute, import_configuration_create
from datasets.stats import stats_from_rows, stats_merge

pytestmark = pytest.mark.django_db

HEADER = "month,region,revenue\n"
COLUMNS = [("month", "date"), ("region", "text"), ("Revenue", "number")]


def load(forecast, body: str, mode: str = "replace") -> dict:
    configuration = forecast.configuration
    if mode != configuration.mode:
        configuration = import_configuration_create(
            workspace=forecast.dataset.workspace,
            name=f"{mode} push",
            dataset=forecast.dataset,
            mode=mode,
        )
    dataset_rows_import(configuration=configuration, csv_file=io.BytesIO(body.encode()))
    return Dataset.objects.get(pk=forecast.dataset.pk).column_stats


def test_it_stores_sum_count_and_latest_with_the_rows(forecast):
    stats = load(
        forecast,
        HEADER + "2031-01-01,North,1200.50\n2031-02-01,,0.1\n2031-03-01,South,\n,East,0.2\n",
    )
    assert stats == {
        "rows": 4,
        "columns": {
            "month": {"count": 3, "latest": "2031-03-01"},
            "region": {"count": 3, "latest": "East"},
            # Decimal arithmetic: 1200.5 + 0.1 + 0.2 is exactly 1200.8.
            "Revenue": {"count": 3, "latest": 0.2, "numbers": 3, "sum": "1200.8"},
        },
    }


def test_it_merges_statistics_on_append(forecast):
    load(forecast, HEADER + "2031-01-01,North,100\n2031-02-01,South,50.25\n")
    stats = load(forecast, HEADER + "2031-03-01,,7\n2031-04-01,,\n", mode="append")
    assert stats["rows"] == 4
    assert stats["columns"]["Revenue"] == {"count": 3, "latest": 7, "numbers": 3, "sum": "157.25"}
    # The appended file had no region at all: the latest one is still the earlier file's.
    assert stats["columns"]["region"] == {"count": 2, "latest": "South"}
    assert stats["columns"]["month"] == {"count": 4, "latest": "2031-04-01"}


def test_it_replaces_statistics_on_replace(forecast):
    load(forecast, HEADER + "2031-01-01,North,100\n2031-02-01,South,50\n")
    stats = load(forecast, HEADER + "2031-05-01,West,3\n")
    assert stats["rows"] == 1
    assert stats["columns"]["Revenue"] == {"count": 1, "latest": 3, "numbers": 1, "sum": "3"}
    assert stats["columns"]["region"] == {"count": 1, "latest": "West"}


def test_it_keeps_the_statistics_when_an_import_fails(forecast):
    before = load(forecast, HEADER + "2031-01-01,North,100\n")
    with pytest.raises(ImportFailed):
        load(forecast, HEADER + "2031-01-01,North,5\n2031-01-01,North,abc\n", mode="append")
    assert Dataset.objects.get(pk=forecast.dataset.pk).column_stats == before


def test_it_keeps_empty_statistics_for_an_empty_import(forecast):
    stats = load(forecast, HEADER)
    assert stats["rows"] == 0
    assert stats["columns"]["Revenue"] == {"count": 0, "latest": None, "numbers": 0, "sum": "0"}


def test_it_recomputes_statistics_from_stored_rows(forecast):
    imported = load(forecast, HEADER + "2031-01-01,North,12\n2031-02-01,,0.5\n")
    dataset = Dataset.objects.get(pk=forecast.dataset.pk)
    Dataset.objects.filter(pk=dataset.pk).update(column_stats={})
    dataset_stats_recompute(dataset=dataset)
    assert dataset.column_stats == imported
    assert Dataset.objects.get(pk=dataset.pk).column_stats == imported


def test_its_data_migration_fills_in_datasets_imported_before(forecast):
    for position, values in enumerate([{"region": "North", "Revenue": 5}, {"Revenue": 2.5}]):
        DatasetRow.objects.create(dataset=forecast.dataset, position=position, values=values)
    migration = importlib.import_module("datasets.migrations.0003_dataset_column_stats_backfill")
    migration.backfill(apps, None)
    stats = Dataset.objects.get(pk=forecast.dataset.pk).column_stats
    assert stats["rows"] == 2
    assert stats["columns"]["Revenue"] == {"count": 2, "latest": 2.5, "numbers": 2, "sum": "7.5"}
    assert stats["columns"]["region"] == {"count": 1, "latest": "North"}
    assert stats["columns"]["month"] == {"count": 0, "latest": None}


def test_it_leaves_stray_text_in_a_number_column_out_of_the_sum():
    stats = stats_from_rows(COLUMNS, [{"Revenue": 4}, {"Revenue": "n/a"}, {"Revenue": True}])
    assert stats["columns"]["Revenue"] == {
        "count": 3,
        "latest": True,
        "numbers": 1,
        "sum": "4",
    }


numbers = st.one_of(
    st.none(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 2)),
)
rows = st.lists(st.fixed_dictionaries({"Revenue": numbers}), max_size=30)


@given(first=rows, second=rows)
def test_it_merges_to_what_all_the_rows_give_at_once(first, second):
    merged = stats_merge(stats_from_rows(COLUMNS, first), stats_from_rows(COLUMNS, second))
    whole = stats_from_rows(COLUMNS, first + second)
    assert merged["rows"] == whole["rows"]
    for name in ("month", "region"):
        assert merged["columns"][name] == whole["columns"][name]
    revenue, expected = merged["columns"]["Revenue"], whole["columns"]["Revenue"]
    assert (revenue["count"], revenue["numbers"]) == (expected["count"], expected["numbers"])
    assert revenue["latest"] == expected["latest"]
    assert Decimal(revenue["sum"]) == Decimal(expected["sum"])
    present = [Decimal(str(row["Revenue"])) for row in first + second if row["Revenue"] is not None]
    assert Decimal(expected["sum"]) == sum(present, Decimal(0))
