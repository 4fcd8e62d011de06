"""Imports on real Celery workers (tests/celery_worker.py): pushed through the HTTP API, run in
arrival order within a dataset, and run again after their worker was killed mid-import."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from datasets.import_runner import import_jobs_sweep
from datasets.models import Dataset, DatasetRow, ImportJob
from datasets.selectors import dataset_rows_visible
from datasets.services import import_configuration_create
from tests.celery_worker import WorkerProcess, celery_worker_process
from tests.datasets.conftest import push

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = b"month,region,revenue\n"
FINISHED = (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED)


def rows_csv(count: int, revenue: int | None = None) -> bytes:
    return HEADER + b"".join(
        b"2030-%02d-01,Region %d,%d\n" % (i % 12 + 1, i % 7, i if revenue is None else revenue)
        for i in range(count)
    )


def wait_until(
    condition: Callable[[], bool], *, what: str, worker: WorkerProcess, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            log = "".join(worker.log[-40:])
            raise AssertionError(f"Timed out waiting until {what}. Worker log:\n{log}")
        time.sleep(0.01)


def finished(*job_ids: str) -> Callable[[], bool]:
    def check() -> bool:
        return ImportJob.objects.filter(pk__in=job_ids, status__in=FINISHED).count() == len(job_ids)

    return check


@pytest.fixture
def appending(world, forecast):
    return import_configuration_create(
        workspace=world.acme, name="Forecast append", dataset=forecast.dataset, mode="append"
    )


def test_it_runs_the_imports_of_a_dataset_one_at_a_time_in_arrival_order(
    forecast, appending, settings
):
    client = Client()
    pushes = [
        (appending, rows_csv(20_000, revenue=1)),  # long enough for the next two to arrive
        (forecast.configuration, rows_csv(2, revenue=2)),  # replace
        (appending, rows_csv(1, revenue=3)),
    ]
    with celery_worker_process(concurrency=4, MEDIA_ROOT=str(settings.MEDIA_ROOT)) as worker:
        import_ids = []
        for configuration, body in pushes:
            response = push(client, forecast.import_key, body, configuration.pk)
            assert response.status_code == 202, response.content
            import_ids.append(response.json()["importId"])
        wait_until(finished(*import_ids), what="the three imports finished", worker=worker)

    jobs = [ImportJob.objects.get(pk=import_id) for import_id in import_ids]
    assert [job.status for job in jobs] == ["succeeded"] * 3, [job.errors for job in jobs]
    assert [job.rows_imported for job in jobs] == [20_000, 2, 1]
    # One at a time: each started after the one before it had finished.
    for before, after in zip(jobs, jobs[1:], strict=False):
        assert after.started_at >= before.finished_at
    # The append of 20,000 rows, replaced by 2 rows, then 1 appended.
    assert [row["Revenue"] for row in forecast.rows()] == [2, 2, 3]
    assert not default_storage.listdir("imports")[1]


def test_an_import_whose_worker_was_killed_runs_again_to_exactly_the_files_rows(
    forecast, appending, settings
):
    rows = 100_000
    body = rows_csv(rows)
    media = str(settings.MEDIA_ROOT)
    with celery_worker_process(concurrency=2, MEDIA_ROOT=media) as worker:
        response = push(Client(), forecast.import_key, body, appending.pk)
        assert response.status_code == 202, response.content
        job_id = response.json()["importId"]

        def running() -> bool:
            job = ImportJob.objects.get(pk=job_id)
            return job.status == ImportJob.Status.RUNNING and job.heartbeat_at is not None

        wait_until(running, what="the import is running", worker=worker)
        worker.kill()

    job = ImportJob.objects.get(pk=job_id)
    assert job.status == "running", "the import ended before the kill: make the file larger"
    assert default_storage.exists(job.upload_name)
    # What the killed run wrote is not shown (and is deleted by the run that follows).
    assert not dataset_rows_visible(dataset=Dataset.objects.get(pk=forecast.dataset.pk)).exists()

    settings.IMPORT_STALLED_AFTER = 0  # its heartbeat stopped with the worker
    with celery_worker_process(concurrency=2, MEDIA_ROOT=media) as worker:
        assert import_jobs_sweep().requeued == 1
        wait_until(finished(job_id), what="the import ran again", worker=worker, timeout=45)

    job.refresh_from_db()
    assert (job.status, job.errors) == ("succeeded", [])
    assert (job.rows_received, job.rows_imported, job.attempts) == (rows, rows, 2)
    stored = DatasetRow.objects.filter(dataset=forecast.dataset)
    assert stored.count() == rows
    assert sorted(stored.values_list("position", flat=True)) == list(range(rows))
    assert sorted(row["Revenue"] for row in stored.values_list("values", flat=True)) == list(
        range(rows)
    )
    assert not default_storage.exists(job.upload_name)
