"""Imports a restart left queued or running: failed with a clear message once they are older than
any live import, when their status is read or the next push to their configuration arrives."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from datasets.importer import ABANDONED_ERROR, import_job_run, spool_path
from datasets.models import ImportJob
from datasets.services import import_configuration_create
from tests.datasets.conftest import GOOD_CSV, push, status

pytestmark = pytest.mark.django_db


def left_behind(forecast, *, status_: str, minutes_ago: int, configuration=None) -> ImportJob:
    """A job as a restart leaves it: unfinished, its upload still spooled."""
    job = ImportJob.objects.create(
        workspace=forecast.dataset.workspace,
        configuration=configuration or forecast.configuration,
        status=status_,
    )
    then = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    started = then if status_ == ImportJob.Status.RUNNING else None
    ImportJob.objects.filter(pk=job.pk).update(created_at=then, started_at=started)
    path = spool_path(job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(GOOD_CSV)
    return job


@pytest.mark.parametrize("status_", [ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
def test_it_fails_an_abandoned_import_when_its_status_is_read(forecast, status_):
    job = left_behind(forecast, status_=status_, minutes_ago=31)
    body = status(Client(), forecast.import_key, str(job.id)).json()
    assert body["status"] == "failed"
    assert body["errors"] == [
        "No result was recorded for this import (the server restarted while it ran). "
        "Push the file again."
    ]
    assert body["finishedAt"] is not None
    assert not spool_path(job.id).exists()


def test_it_leaves_a_recent_import_running(forecast):
    job = left_behind(forecast, status_=ImportJob.Status.RUNNING, minutes_ago=5)
    body = status(Client(), forecast.import_key, str(job.id)).json()
    assert (body["status"], body["finishedAt"]) == ("running", None)
    assert spool_path(job.id).exists()


def test_it_waits_longer_when_the_size_limit_allows_larger_files(forecast, settings):
    # 1 GB at the slowest rate assumed takes hours: 31 minutes proves nothing then.
    settings.IMPORT_MAX_BYTES = 1024**3
    job = left_behind(forecast, status_=ImportJob.Status.RUNNING, minutes_ago=31)
    assert status(Client(), forecast.import_key, str(job.id)).json()["status"] == "running"


def test_it_keeps_the_result_of_an_old_finished_import(forecast):
    job = left_behind(forecast, status_=ImportJob.Status.SUCCEEDED, minutes_ago=120)
    ImportJob.objects.filter(pk=job.pk).update(rows_received=2, rows_imported=2)
    body = status(Client(), forecast.import_key, str(job.id)).json()
    assert (body["status"], body["rowsImported"], body["errors"]) == ("succeeded", 2, [])


def test_it_fails_abandoned_imports_of_the_configuration_a_new_push_arrives_for(world, forecast):
    other = import_configuration_create(
        workspace=world.acme, name="Other push", dataset=forecast.dataset, mode="append"
    )
    mine = left_behind(forecast, status_=ImportJob.Status.QUEUED, minutes_ago=45)
    theirs = left_behind(
        forecast, status_=ImportJob.Status.QUEUED, minutes_ago=45, configuration=other
    )
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 202
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.errors) == ("failed", [ABANDONED_ERROR])
    assert not spool_path(mine.id).exists()
    # Another configuration's job is settled when its own status is read or pushed to.
    assert theirs.status == "queued"
    assert spool_path(theirs.id).exists()


def test_it_never_runs_an_import_once_it_was_failed_as_abandoned(forecast):
    job = left_behind(forecast, status_=ImportJob.Status.QUEUED, minutes_ago=31)
    status(Client(), forecast.import_key, str(job.id))
    import_job_run(job_id=job.id)
    job.refresh_from_db()
    assert job.errors == [ABANDONED_ERROR]
    assert forecast.rows() == []
