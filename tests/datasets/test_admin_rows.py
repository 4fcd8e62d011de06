"""Rows changed in the Django admin keep the KPI statistics (and open boards) up to date."""

import io
import json

import pytest
from django.urls import reverse

from datasets.importer import dataset_rows_import
from datasets.models import Dataset
from datasets.selectors import dataset_rows_visible
from tests.datasets.conftest import stored_job

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


def test_a_row_added_here_joins_the_rows_boards_show(superuser_client, imported):
    values = {"month": "2031-03-01", "region": "West", "Revenue": 1}
    response = superuser_client.post(
        reverse("admin:datasets_datasetrow_add"),
        {"dataset": imported.pk, "position": 2, "values": json.dumps(values)},
    )
    assert response.status_code == 302
    imported.refresh_from_db()
    assert (imported.row_generation, imported.row_end) == (1, 3)  # the import's generation
    shown = dataset_rows_visible(dataset=imported).values_list("values", flat=True)
    assert [row["region"] for row in shown] == ["North", "South", "West"]
    assert revenue(imported)["sum"] == "16"


def test_it_refuses_a_new_row_while_an_import_of_the_dataset_waits(
    superuser_client, imported, forecast
):
    stored_job(forecast.configuration, b"month,region,revenue\n2031-01-01,East,3\n")
    values = {"month": "2031-03-01", "region": "West", "Revenue": 1}
    response = superuser_client.post(
        reverse("admin:datasets_datasetrow_add"),
        {"dataset": imported.pk, "position": 2, "values": json.dumps(values)},
    )
    assert response.status_code == 200
    assert "An import into this dataset is queued or running" in response.content.decode()
    assert imported.rows.count() == 2
