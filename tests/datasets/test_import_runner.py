"""Receiving the body in chunks, and running jobs inline or on the import thread."""

import io

import pytest
from django.test import Client

from datasets.importer import (
    CHUNK_SIZE,
    BodyTooLarge,
    import_job_run,
    import_jobs_wait,
    spool_path,
    spool_request_body,
)
from datasets.models import Dataset, ImportJob
from tests.datasets.conftest import GOOD_CSV, push, status


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


@pytest.mark.django_db
def test_it_stops_reading_as_soon_as_the_body_passes_the_limit(forecast):
    # A body with no trustworthy length: the limit is enforced while reading.
    stream = CountingStream(b"x" * (10 * CHUNK_SIZE))
    job_id = ImportJob(workspace=forecast.dataset.workspace).id
    with pytest.raises(BodyTooLarge):
        spool_request_body(stream=stream, job_id=job_id, max_bytes=CHUNK_SIZE + 10)
    assert stream.bytes_read == 2 * CHUNK_SIZE
    assert not spool_path(job_id).exists()


@pytest.mark.django_db
def test_it_removes_the_spooled_file_once_the_import_ran(forecast):
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert not spool_path(response.json()["importId"]).exists()


@pytest.mark.django_db
def test_it_runs_a_job_only_once(forecast):
    client = Client()
    import_id = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk).json()[
        "importId"
    ]
    import_job_run(job_id=import_id)
    assert Dataset.objects.get(pk=forecast.dataset.pk).version == 1
    assert status(client, forecast.import_key, import_id).json()["status"] == "succeeded"


@pytest.mark.django_db
def test_it_fails_a_job_whose_upload_is_gone(world, forecast):
    job = ImportJob.objects.create(workspace=world.acme, configuration=forecast.configuration)
    import_job_run(job_id=job.id)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.errors == ["The uploaded file is no longer available."]


@pytest.mark.django_db(transaction=True)
def test_it_queues_the_import_and_runs_it_on_the_import_thread(forecast, settings):
    settings.IMPORT_RUN_INLINE = False
    client = Client()
    body = b"month,region,revenue\n" + b"2031-01-01,North,5\n" * 3000
    response = push(client, forecast.import_key, body, forecast.configuration.pk)
    assert response.status_code == 202
    assert import_jobs_wait(timeout=30)
    result = status(client, forecast.import_key, response.json()["importId"]).json()
    assert (result["status"], result["rowsImported"]) == ("succeeded", 3000)
    dataset = Dataset.objects.get(pk=forecast.dataset.pk)
    assert (dataset.version, dataset.rows.count()) == (1, 3000)
