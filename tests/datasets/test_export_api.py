"""The export API as a pipeline sees it: what a workspace has, and a dataset read back as CSV."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
import requests
from django.test import Client

from datasets.models import ApiKey, ImportConfiguration, ImportJob
from datasets.services import dataset_create, import_configuration_create
from tests.datasets.conftest import GOOD_CSV, make_key, push

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/datasets"
TRICKY_CSV = (
    "month,region,Revenue\n"
    '2030-01-01,"North, East",0.1\n'
    '2030-02-01,"He said ""hi""",1e3\n'
    '2030-03-01,"two\nlines",-12\n'
    "2030-04-01,  padded  ,\n"
    "2030-05-01,Zürich ✓,12345678901234567\n"
    ',"back\\slash\rcr",3.25\n'
).encode()


def export_url(dataset_id: object, **query: str) -> str:
    suffix = "&".join(f"{name}={value}" for name, value in query.items())
    return f"/api/v1/export/datasets/{dataset_id}/csv" + (f"?{suffix}" if suffix else "")


def export(client: Client, key: str | None, dataset_id: object, **query: str):
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.get(export_url(dataset_id, **query), **headers)


def body(response) -> str:
    assert response.streaming, "an export is streamed, never built whole"
    return b"".join(response.streaming_content).decode()


def test_an_export_key_reads_the_dataset_as_csv(forecast):
    push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    response = export(Client(), forecast.export_key, forecast.dataset.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Revenue forecast.csv\"; filename*=UTF-8''Revenue%20forecast.csv"
    )
    assert body(response) == (
        "month,region,Revenue\n2030-01-01,North,1200.5\n2030-02-01,South,980\n"
    )


def test_an_empty_dataset_exports_its_header_line(forecast):
    response = export(Client(), forecast.export_key, forecast.dataset.pk)
    assert body(response) == "month,region,Revenue\n"


def test_columns_picks_and_orders_columns_ignoring_case(forecast):
    push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    response = export(Client(), forecast.export_key, forecast.dataset.pk, columns="revenue,MONTH")
    assert body(response) == "Revenue,month\n1200.5,2030-01-01\n980,2030-02-01\n"


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ("revenue,profit", "The dataset has no column 'profit'. Its columns are: month, region"),
        ("revenue,Revenue", "Column Revenue is named twice"),
        (",", "Name at least one column"),
    ],
)
def test_columns_that_do_not_fit_are_refused(forecast, columns, message):
    response = export(Client(), forecast.export_key, forecast.dataset.pk, columns=columns)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert message in response.json()["message"]


@pytest.fixture
def appended(forecast) -> ImportConfiguration:
    return import_configuration_create(
        workspace=forecast.dataset.workspace,
        name="Monthly append",
        dataset=forecast.dataset,
        mode="append",
    )


def test_since_reads_only_the_rows_appended_after_that_import(forecast, appended):
    client = Client()
    first = push(client, forecast.import_key, GOOD_CSV, appended.pk).json()["importId"]
    push(client, forecast.import_key, b"month,region,revenue\n2030-03-01,West,5\n", appended.pk)
    push(client, forecast.import_key, b"month,region,revenue\n2030-04-01,East,6\n", appended.pk)
    response = export(client, forecast.export_key, forecast.dataset.pk, since=first)
    assert body(response) == "month,region,Revenue\n2030-03-01,West,5\n2030-04-01,East,6\n"


def test_since_the_latest_import_reads_nothing_but_the_header(forecast, appended):
    latest = push(Client(), forecast.import_key, GOOD_CSV, appended.pk).json()["importId"]
    response = export(Client(), forecast.export_key, forecast.dataset.pk, since=latest)
    assert body(response) == "month,region,Revenue\n"


def test_since_an_import_whose_rows_were_replaced_is_a_conflict(forecast, appended):
    client = Client()
    first = push(client, forecast.import_key, GOOD_CSV, appended.pk).json()["importId"]
    push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)  # replace mode
    response = export(client, forecast.export_key, forecast.dataset.pk, since=first)
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert "replaced after import" in response.json()["message"]


def test_since_a_failed_import_is_a_conflict(forecast, appended):
    failed = push(Client(), forecast.import_key, b"month,region,revenue\nnope,x,1\n", appended.pk)
    import_id = failed.json()["importId"]
    assert ImportJob.objects.get(pk=import_id).status == ImportJob.Status.FAILED
    response = export(Client(), forecast.export_key, forecast.dataset.pk, since=import_id)
    assert response.status_code == 409
    assert "it is failed" in response.json()["message"]


def test_since_must_name_an_import_of_this_dataset(forecast, world):
    other = dataset_create(workspace=world.acme, name="Headcount", columns=[("team", "text")])
    other_configuration = import_configuration_create(
        workspace=world.acme, name="Headcount push", dataset=other, mode="append"
    )
    elsewhere = push(Client(), forecast.import_key, b"team\nOps\n", other_configuration.pk)
    for since, status, code in [
        ("yesterday", 400, "bad_request"),
        (str(uuid.uuid4()), 404, "not_found"),
        (elsewhere.json()["importId"], 404, "not_found"),
    ]:
        response = export(Client(), forecast.export_key, forecast.dataset.pk, since=since)
        assert (response.status_code, response.json()["error"]) == (status, code)


def test_an_import_key_may_not_export(forecast):
    response = export(Client(), forecast.import_key, forecast.dataset.pk)
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "This is an Import key; this endpoint needs an Export key.",
    }


def test_an_export_key_may_not_import(forecast):
    response = push(Client(), forecast.export_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 403
    assert "needs an Import key" in response.json()["message"]
    assert not ImportJob.objects.exists()


def test_another_workspaces_dataset_is_forbidden_and_unknown_ones_not_found(forecast, world):
    globex_key = make_key(world.globex, ApiKey.KeyType.EXPORT)
    response = export(Client(), globex_key, forecast.dataset.pk)
    assert response.status_code == 403
    assert response.json()["message"] == "This dataset belongs to another workspace."
    for dataset_id in (forecast.dataset.pk + 1000, "abc", "0", "9" * 30):
        response = export(Client(), forecast.export_key, dataset_id)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_no_key_is_unauthorized_and_other_methods_are_refused(forecast):
    response = export(Client(), None, forecast.dataset.pk)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    response = Client().post(
        export_url(forecast.dataset.pk), HTTP_AUTHORIZATION=f"Bearer {forecast.export_key}"
    )
    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_the_export_round_trips_through_the_import_api(forecast, world):
    client = Client()
    push(client, forecast.import_key, TRICKY_CSV, forecast.configuration.pk)
    original = forecast.rows()
    assert len(original) == 6
    exported = body(export(client, forecast.export_key, forecast.dataset.pk)).encode()

    copy = dataset_create(
        workspace=world.acme,
        name="Forecast copy",
        columns=[("month", "date"), ("region", "text"), ("Revenue", "number")],
    )
    copy_configuration = import_configuration_create(
        workspace=world.acme, name="Copy push", dataset=copy, mode="replace"
    )
    job_id = push(client, forecast.import_key, exported, copy_configuration.pk).json()["importId"]
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.SUCCEEDED
    copied = list(copy.rows.order_by("position").values_list("values", flat=True))
    assert copied == original
    copy.refresh_from_db()
    forecast.dataset.refresh_from_db()
    assert copy.column_stats == forecast.dataset.column_stats
    # And once more: the copy's export is the original's, byte for byte.
    assert body(export(client, forecast.export_key, copy.pk)).encode() == exported


def test_every_value_reads_back_as_csv_cells(forecast):
    push(Client(), forecast.import_key, TRICKY_CSV, forecast.configuration.pk)
    text = body(export(Client(), forecast.export_key, forecast.dataset.pk))
    records = list(csv.reader(io.StringIO(text)))
    assert records[0] == ["month", "region", "Revenue"]
    assert [record[1] for record in records[1:]] == [
        "North, East",
        'He said "hi"',
        "two\nlines",
        "  padded  ",
        "Zürich ✓",
        "back\\slash\rcr",
    ]
    assert records[4][2] == ""  # no value: an empty cell
    assert records[6][0] == ""


def test_the_listing_shows_what_a_key_may_push_to_and_read(forecast, world):
    client = Client()
    job_id = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk).json()[
        "importId"
    ]
    dataset_create(workspace=world.globex, name="Globex secret", columns=[("x", "text")])
    for key in (forecast.import_key, forecast.export_key):
        response = client.get(LIST_URL, HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 200
        (described,) = response.json()["datasets"]
        assert described["id"] == forecast.dataset.pk
        assert described["name"] == "Revenue forecast"
        assert described["columns"] == [
            {"name": "month", "kind": "date"},
            {"name": "region", "kind": "text"},
            {"name": "Revenue", "kind": "number"},
        ]
        assert described["rowCount"] == 2
        assert described["version"] == 1
        assert described["lastImport"]["importId"] == job_id
        assert described["lastImport"]["status"] == "succeeded"
        assert described["importConfigurations"] == [
            {"id": forecast.configuration.pk, "name": "Forecast push", "mode": "replace"}
        ]


def test_the_listing_takes_the_same_queries_for_many_datasets(forecast, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def listing_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = Client().get(LIST_URL, HTTP_AUTHORIZATION=f"Bearer {forecast.export_key}")
            assert response.status_code == 200
        return len(captured.captured_queries)

    before = listing_queries()
    for number in range(5):
        dataset = dataset_create(
            workspace=world.acme, name=f"Extra {number}", columns=[("a", "text")]
        )
        import_configuration_create(
            workspace=world.acme, name=f"Extra {number}", dataset=dataset, mode="append"
        )
        push(Client(), forecast.import_key, b"a\nx\n", dataset.import_configurations.get().pk)
    assert listing_queries() == before


def test_the_listing_refuses_other_methods_and_no_key(forecast):
    assert Client().get(LIST_URL).status_code == 401
    response = Client().post(LIST_URL, HTTP_AUTHORIZATION=f"Bearer {forecast.export_key}")
    assert response.status_code == 405


@pytest.mark.django_db(transaction=True)
def test_served_over_asgi_the_export_streams_every_row(forecast, live_server):
    rows = "".join(f"2030-01-01,Region {number},{number}\n" for number in range(5000))
    push(
        Client(),
        forecast.import_key,
        ("month,region,revenue\n" + rows).encode(),
        forecast.configuration.pk,
    )
    response = requests.get(
        live_server.url + export_url(forecast.dataset.pk),
        headers={"Authorization": f"Bearer {forecast.export_key}"},
        stream=True,
        timeout=30,
    )
    assert response.status_code == 200
    assert "Content-Length" not in response.headers  # sent as it is read, not built first
    text = b"".join(response.iter_content(65536)).decode()
    assert text == "month,region,Revenue\n" + rows


def _rows_stored(dataset, count: int) -> None:
    """`count` visible rows written straight to the table (an import of this size is slow)."""
    from datasets.models import Dataset, DatasetRow

    DatasetRow.objects.bulk_create(
        (
            DatasetRow(
                dataset=dataset,
                position=position,
                values={"month": "2030-01-01", "region": f"Region {position}", "Revenue": 1.5},
            )
            for position in range(count)
        ),
        batch_size=5000,
    )
    Dataset.objects.filter(pk=dataset.pk).update(row_end=count)
    dataset.refresh_from_db()


def _export_peak_bytes(dataset) -> tuple[int, int]:
    """Peak memory allocated while the whole export is read, and the bytes it produced."""
    import tracemalloc

    from datasets.exports import dataset_csv_chunks, dataset_export_plan

    plan = dataset_export_plan(dataset=dataset, columns=None, since=None)
    produced = 0
    tracemalloc.start()
    try:
        for chunk in dataset_csv_chunks(plan):
            produced += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, produced


def test_memory_stays_flat_whatever_the_size_of_the_export(forecast, world):
    small = forecast.dataset
    large = dataset_create(
        workspace=world.acme,
        name="Large forecast",
        columns=[("month", "date"), ("region", "text"), ("Revenue", "number")],
    )
    _rows_stored(small, 10_000)
    _rows_stored(large, 100_000)
    small_peak, small_bytes = _export_peak_bytes(small)
    large_peak, large_bytes = _export_peak_bytes(large)
    assert large_bytes > 9 * small_bytes
    # Ten times the rows, not ten times the memory: both stay near one fetch and one chunk.
    assert large_peak < 1.5 * small_peak + 256 * 1024, (small_peak, large_peak)
    assert large_peak < 4 * 1024 * 1024
