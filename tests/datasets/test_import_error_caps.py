"""However wrong a CSV is, what its import reports stays short, and so does the memory it takes."""

from __future__ import annotations

import io
import re
import tracemalloc
import uuid

import pytest
from django.test import Client

from datasets.csv_reading import MAX_ROW_BYTES
from datasets.import_runner import import_job_run
from datasets.importer import ImportFailed, dataset_rows_import
from datasets.services import dataset_create, import_configuration_create
from tests.datasets.conftest import push, status

pytestmark = pytest.mark.django_db

HEADER = b"month,region,revenue\n"
MB = 1024 * 1024
# A successful import of a few MB peaks at about this (a batch of rows): a refused one may not
# take more, whatever its size.
SMALL_PEAK = 2 * MB
STOPPED = "Stopped after 10 errors; the rest of the file was not checked."


def run(forecast, body: bytes) -> dict:
    client = Client()
    response = push(client, forecast.import_key, body, forecast.configuration.pk)
    assert response.status_code == 202
    return status(client, forecast.import_key, response.json()["importId"]).json()


def run_measured(forecast, monkeypatch, body: bytes) -> tuple[int, bytes]:
    """Push `body`, then run its import alone under tracemalloc: (peak bytes, status response)."""
    # Queued only, not run as part of the push.
    monkeypatch.setattr("datasets.services.enqueue_after_commit", lambda task, job_id: None)
    client = Client()
    response = push(client, forecast.import_key, body, forecast.configuration.pk)
    import_id = response.json()["importId"]
    tracemalloc.start()
    try:
        import_job_run(job_id=uuid.UUID(import_id))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, status(client, forecast.import_key, import_id).content


def assert_short(errors: list[str]) -> None:
    assert 1 <= len(errors) <= 11
    assert all(len(error) <= 300 for error in errors), [len(error) for error in errors]


def test_it_refuses_a_header_only_upload_of_unknown_columns_in_little_memory(forecast, monkeypatch):
    body = b",".join(b"unknown_column_%07d" % i for i in range(5 * MB // 23))
    peak, content = run_measured(forecast, monkeypatch, body)
    assert len(content) < 5000
    assert b'"status": "failed"' in content
    assert b"Line 1: the header line is longer than 65,536 bytes" in content
    assert peak < SMALL_PEAK, f"peak {peak:,} bytes"


def test_it_names_the_limit_when_the_header_line_is_too_long(forecast, settings):
    settings.IMPORT_MAX_HEADER_BYTES = 100
    header = b"month,region,revenue".ljust(100)
    assert run(forecast, header + b"\r\n2031-01-01,North,1\n")["status"] == "succeeded"
    result = run(forecast, header + b" \r\n2031-01-01,North,1\n")
    assert result["errors"] == [
        "Line 1: the header line is longer than 100 bytes; "
        "it should hold only the dataset's column names."
    ]


def test_it_lists_a_few_unknown_columns_and_counts_the_rest(forecast):
    header = b"month,region,revenue," + b",".join(b"extra%d" % i for i in range(3000))
    result = run(forecast, header + b"\n")
    assert_short(result["errors"])
    [message] = result["errors"]
    assert message.startswith("Line 1: unknown column 'extra0'; unknown column 'extra1'; ")
    assert message.endswith(" more problems. The dataset's columns are: month, region, Revenue.")
    more = int(re.search(r"and ([\d,]+) more problems", message)[1].replace(",", ""))
    assert message.count("unknown column") + more == 3000


def test_it_cuts_a_long_unknown_name_with_an_ellipsis(forecast):
    result = run(forecast, HEADER[:-1] + b"," + b"a" * 1000 + b"\n")
    assert result["errors"] == [
        f"Line 1: unknown column '{'a' * 40}…'. The dataset's columns are: month, region, Revenue."
    ]


def test_it_keeps_the_message_short_for_a_dataset_with_many_long_column_names(world):
    names = [f"{'quarterly figure ' * 5}{i}" for i in range(40)]
    dataset = dataset_create(
        workspace=world.acme, name="Wide", columns=[(name, "text") for name in names]
    )
    configuration = import_configuration_create(
        workspace=world.acme, name="Wide push", dataset=dataset, mode="replace"
    )
    with pytest.raises(ImportFailed) as failure:
        dataset_rows_import(configuration=configuration, csv_file=io.BytesIO(b"nothing\n"))
    assert_short(failure.value.errors)
    [message] = failure.value.errors
    assert "missing columns quarterly figure" in message
    assert re.search(r"and 3\d more\.$", message), message


def test_it_reports_ten_bad_rows_and_says_the_rest_was_not_checked(forecast):
    result = run(forecast, HEADER + b"2031-01-01,North,x\n" * 50)
    assert result["errors"] == [
        f"Line {line}: 'x' is not a number in column Revenue." for line in range(2, 12)
    ] + [STOPPED]


def test_it_adds_no_note_when_the_tenth_error_is_the_last_row(forecast):
    result = run(forecast, HEADER + b"2031-01-01,North,x\n" * 10)
    assert len(result["errors"]) == 10
    assert STOPPED not in result["errors"]


@pytest.mark.parametrize(
    "row",
    [
        b"2031-01-01,North," + b"1" * (5 * MB),
        b"ab," * (5 * MB // 3),
        # Short lines, but quoted values with line breaks make them all one row.
        b'"a\nb",' * (MB // 6),
    ],
    ids=["one-huge-cell", "many-cells", "quoted-lines"],
)
def test_it_refuses_a_huge_row_in_little_memory(forecast, monkeypatch, row):
    body = HEADER + b"2031-01-01,North,1\n" + row + b"\n2031-01-01,North,1\n"
    peak, content = run_measured(forecast, monkeypatch, body)
    assert len(content) < 5000
    assert (
        f"Line 3: the row starting here is longer than {MAX_ROW_BYTES:,} bytes, "
        "the most one row may have."
    ).encode() in content
    assert peak < SMALL_PEAK, f"peak {peak:,} bytes"


def test_it_imports_a_row_with_a_long_value_below_the_row_limit(forecast):
    row = b"2031-01-01," + b"x" * (MAX_ROW_BYTES - 20) + b",1\r\n"
    result = run(forecast, HEADER + row)
    assert result["status"] == "succeeded", result["errors"]
    assert len(forecast.rows()[0]["region"]) == MAX_ROW_BYTES - 20


def test_it_caps_any_list_of_errors_and_every_message():
    failure = ImportFailed([f"Line {i}: " + "y" * 10_000 for i in range(100)])
    assert_short(failure.errors)
    assert failure.errors[0] == "Line 0: " + "y" * 291 + "…"
    assert failure.errors[-1] == "…and 90 more errors."
    assert len(str(failure)) < 4000


def test_a_job_stored_before_the_caps_is_capped_when_its_status_is_read(forecast):
    from django.test import Client

    from datasets.models import ImportJob

    job = ImportJob.objects.create(
        workspace=forecast.configuration.dataset.workspace,
        configuration=forecast.configuration,
        status=ImportJob.Status.FAILED,
        errors=["Line 1: unknown column " + "x" * 100_000] * 50,
    )
    response = Client().get(
        f"/api/v1/import/{job.id}/status",
        headers={"Authorization": f"Bearer {forecast.import_key}"},
    )
    errors = response.json()["errors"]
    assert len(errors) == 11 and errors[-1] == "…and 40 more errors."
    assert all(len(error) <= 300 for error in errors)
