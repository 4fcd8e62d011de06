"""Rows changed in the Django admin keep the KPI statistics (and open boards) up to date."""

import io
import json

import pytest
from django.urls import reverse

from datasets.importer import dataset_rows_import
from datasets.models import Dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(forecast):
    body = b"month,region,revenue\n2031-01-01,North,10\n2031-02-01,South,5\n"
    dataset_rows_import(configuration=forecast.configuration, csv_file=io.BytesIO(body))
    return Dataset.objects.get(pk=forecast.dataset.pk)


def revenue(dataset: Dataset) -> dict:
    dataset.refresh_from_db()
    return dataset.column_stats["columns"]["Revenue"]


def test_it_recomputes_statistics_after_a_row_is_edited(superuser_client, imported):
    row = imported.rows.get(position=1)
    values = {"month": "2031-02-01", "region": "South", "Revenue": 7.5}
    response = superuser_client.post(
        reverse("admin:datasets_datasetrow_change", args=[row.pk]),
        {"dataset": imported.pk, "position": 1, "values": json.dumps(values)},
    )
    assert response.status_code == 302
    assert revenue(imported) == {"count": 2, "latest": 7.5, "numbers": 2, "sum": "17.5"}
    assert imported.version == 2  # open boards redraw


def test_it_recomputes_statistics_after_rows_are_deleted(superuser_client, imported):
    row = imported.rows.get(position=1)
    response = superuser_client.post(
        reverse("admin:datasets_datasetrow_delete", args=[row.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert revenue(imported) == {"count": 1, "latest": 10, "numbers": 1, "sum": "10"}

    response = superuser_client.post(
        reverse("admin:datasets_datasetrow_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [imported.rows.get().pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert revenue(imported) == {"count": 0, "latest": None, "numbers": 0, "sum": "0"}
    assert imported.column_stats["rows"] == 0
