"""The sweep (beat, every ~15 s): an import whose worker died runs again from its stored file;
a queued job whose message was lost is sent again; one that keeps dying fails, saying so."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from datasets.import_runner import GONE_ERROR, import_job_claim, import_jobs_sweep
from datasets.models import ImportJob
from tests.datasets.conftest import GOOD_CSV, push, status, stored_job

pytestmark = pytest.mark.django_db

ROWS = b"month,region,revenue\n" + b"".join(
    b"2030-%02d-01,North,%d\n" % (month, month) for month in range(1, 13)
)


def test_it_runs_an_import_whose_worker_died_again_from_its_file(forecast):
    job = stored_job(
        forecast.configuration,
        ROWS,
        status=ImportJob.Status.RUNNING,
        seconds_ago=300,
        heartbeat_seconds_ago=121,
        attempts=1,
    )
    result = import_jobs_sweep()
    assert (result.requeued, result.given_up) == (1, 0)
    job.refresh_from_db()
    assert (job.status, job.rows_imported, job.attempts) == ("succeeded", 12, 2)
    assert [row["Revenue"] for row in forecast.rows()] == list(range(1, 13))
    assert not default_storage.exists(job.upload_name)


def test_it_leaves_a_live_import_alone(forecast, settings):
    job = stored_job(
        forecast.configuration,
        ROWS,
        status=ImportJob.Status.RUNNING,
        seconds_ago=3600,
        heartbeat_seconds_ago=settings.IMPORT_STALLED_AFTER - 10,
        attempts=1,
    )
    assert import_jobs_sweep().requeued == 0
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    assert default_storage.exists(job.upload_name)
    # Reading its status changes nothing either.
    assert status(Client(), forecast.import_key, str(job.id)).json()["status"] == "running"


def test_it_honours_the_stalled_after_setting(forecast, settings):
    settings.IMPORT_STALLED_AFTER = 600
    job = stored_job(
        forecast.configuration,
        ROWS,
        status=ImportJob.Status.RUNNING,
        heartbeat_seconds_ago=300,
        attempts=1,
    )
    assert import_jobs_sweep().requeued == 0
    later = timezone.now() + datetime.timedelta(seconds=301)
    assert import_jobs_sweep(now=later).requeued == 1
    job.refresh_from_db()
    assert job.status == "succeeded"


def test_it_runs_again_an_import_that_was_running_before_heartbeats_were_kept(forecast):
    job = stored_job(forecast.configuration, ROWS, status=ImportJob.Status.RUNNING)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(started_at=an_hour_ago, heartbeat_at=None)
    assert import_jobs_sweep().requeued == 1
    job.refresh_from_db()
    assert job.status == "succeeded"


def test_it_fails_an_import_whose_stored_file_is_gone(forecast):
    job = stored_job(
        forecast.configuration,
        ROWS,
        status=ImportJob.Status.RUNNING,
        heartbeat_seconds_ago=600,
        attempts=1,
    )
    default_storage.delete(job.upload_name)
    import_jobs_sweep()
    body = status(Client(), forecast.import_key, str(job.id)).json()
    assert (body["status"], body["errors"]) == ("failed", [GONE_ERROR])
    assert body["finishedAt"] is not None
    assert forecast.rows() == []


def test_it_gives_up_on_an_import_whose_worker_died_three_times(forecast):
    job = stored_job(
        forecast.configuration,
        ROWS,
        status=ImportJob.Status.RUNNING,
        heartbeat_seconds_ago=600,
        attempts=3,
    )
    result = import_jobs_sweep()
    assert (result.requeued, result.given_up) == (0, 1)
    body = status(Client(), forecast.import_key, str(job.id)).json()
    assert body["status"] == "failed"
    assert body["errors"] == [
        "The import was stopped 3 times before it could finish (its worker stopped), so it was "
        "given up; nothing was imported. Push the file again."
    ]
    assert forecast.rows() == []
    assert not default_storage.exists(job.upload_name)


def test_it_sends_again_a_queued_import_whose_message_was_lost(forecast, held_imports):
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    job = ImportJob.objects.get(pk=response.json()["importId"])
    assert import_jobs_sweep().resent == 0  # just arrived: its message is on its way
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=31)
    )
    assert import_jobs_sweep().resent == 1
    job.refresh_from_db()
    assert (job.status, job.rows_imported) == ("succeeded", 2)


def test_it_does_not_send_again_a_job_waiting_behind_a_running_one(forecast):
    running = stored_job(forecast.configuration, ROWS, seconds_ago=120)
    assert import_job_claim(job_id=running.id).value == "claimed"
    waiting = stored_job(forecast.configuration, GOOD_CSV, seconds_ago=60)
    assert import_jobs_sweep().resent == 0
    waiting.refresh_from_db()
    assert waiting.status == "queued"


def test_it_keeps_the_result_of_an_old_finished_import(forecast):
    job = stored_job(forecast.configuration, ROWS, status=ImportJob.Status.SUCCEEDED)
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=2), rows_received=2, rows_imported=2
    )
    import_jobs_sweep()
    body = status(Client(), forecast.import_key, str(job.id)).json()
    assert (body["status"], body["rowsImported"], body["errors"]) == ("succeeded", 2, [])
