"""Receiving the body into storage in chunks, and running a job from its stored file."""

import io
import os
import stat
import uuid

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from datasets.import_runner import GONE_ERROR, Claim, import_job_run
from datasets.import_storage import (
    CHUNK_SIZE,
    UPLOAD_FOLDER,
    BodyTooLarge,
    import_upload_store,
)
from datasets.models import Dataset, ImportJob
from tests.datasets.conftest import GOOD_CSV, push, status

pytestmark = pytest.mark.django_db


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def stored_files() -> list[str]:
    if not default_storage.exists(UPLOAD_FOLDER):
        return []
    return default_storage.listdir(UPLOAD_FOLDER)[1]


def test_it_stops_reading_as_soon_as_the_body_passes_the_limit():
    # A body with no trustworthy length: the limit is enforced while reading.
    stream = CountingStream(b"x" * (10 * CHUNK_SIZE))
    with pytest.raises(BodyTooLarge):
        import_upload_store(stream=stream, job_id=uuid.uuid4(), max_bytes=CHUNK_SIZE + 10)
    assert stream.bytes_read == 2 * CHUNK_SIZE
    assert stored_files() == []


def test_it_keeps_the_upload_in_storage_readable_only_by_the_app(forecast, held_imports, settings):
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    job = ImportJob.objects.get(pk=response.json()["importId"])
    assert held_imports == [str(job.id)]
    assert job.upload_name == f"{UPLOAD_FOLDER}/{job.id}.csv"
    with default_storage.open(job.upload_name, "rb") as stored:
        assert stored.read() == GOOD_CSV
    path = default_storage.path(job.upload_name)
    assert path.startswith(str(settings.MEDIA_ROOT))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700


def test_it_deletes_the_stored_file_once_the_import_succeeded(forecast):
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    job = ImportJob.objects.get(pk=response.json()["importId"])
    assert job.status == "succeeded"
    assert not default_storage.exists(job.upload_name)
    assert stored_files() == []


def test_it_deletes_the_stored_file_once_the_import_failed(forecast):
    body = b"month,region,revenue\n2030-01-01,North,abc\n"
    response = push(Client(), forecast.import_key, body, forecast.configuration.pk)
    job = ImportJob.objects.get(pk=response.json()["importId"])
    assert (job.status, job.errors) == (
        "failed",
        ["Line 2: 'abc' is not a number in column Revenue."],
    )
    assert stored_files() == []


def test_it_keeps_no_file_for_an_empty_body(forecast):
    response = push(Client(), forecast.import_key, b"", forecast.configuration.pk)
    assert response.status_code == 400
    assert stored_files() == []
    assert not ImportJob.objects.exists()


def test_it_runs_a_job_only_once(forecast):
    client = Client()
    import_id = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk).json()[
        "importId"
    ]
    assert import_job_run(job_id=uuid.UUID(import_id)) is Claim.NOT_QUEUED
    assert Dataset.objects.get(pk=forecast.dataset.pk).version == 1
    assert status(client, forecast.import_key, import_id).json()["status"] == "succeeded"


def test_it_fails_a_job_whose_upload_is_gone(forecast, held_imports):
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    job = ImportJob.objects.get(pk=response.json()["importId"])
    default_storage.delete(job.upload_name)
    assert import_job_run(job_id=job.id) is Claim.CLAIMED
    job.refresh_from_db()
    assert (job.status, job.errors) == ("failed", [GONE_ERROR])
    assert GONE_ERROR == "The uploaded file is no longer available; push the file again."
    assert forecast.rows() == []


def test_it_runs_a_queued_job_from_its_stored_file(forecast, held_imports):
    client = Client()
    body = b"month,region,revenue\n" + b"2031-01-01,North,5\n" * 3000
    response = push(client, forecast.import_key, body, forecast.configuration.pk)
    assert response.status_code == 202
    import_id = response.json()["importId"]
    assert status(client, forecast.import_key, import_id).json()["status"] == "queued"
    assert import_job_run(job_id=uuid.UUID(import_id)) is Claim.CLAIMED
    result = status(client, forecast.import_key, import_id).json()
    assert (result["status"], result["rowsImported"]) == ("succeeded", 3000)
    dataset = Dataset.objects.get(pk=forecast.dataset.pk)
    assert (dataset.version, dataset.rows.count()) == (1, 3000)
    assert stored_files() == []
