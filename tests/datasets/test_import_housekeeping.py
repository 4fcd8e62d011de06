"""Housekeeping: old finished imports are pruned, and stored files a crash left behind deleted."""

import datetime
import io
import uuid

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from datasets.import_runner import import_housekeeping
from datasets.import_storage import import_upload_store
from datasets.models import ImportJob
from tests.datasets.conftest import GOOD_CSV, stored_job

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def aged(job: ImportJob, age: datetime.timedelta) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    return job


def test_it_prunes_finished_imports_older_than_the_retention_period(forecast, settings):
    assert settings.RETENTION_DAYS == 90
    old_success = aged(stored_job(forecast.configuration, GOOD_CSV, status="succeeded"), 91 * DAY)
    old_failure = aged(stored_job(forecast.configuration, GOOD_CSV, status="failed"), 91 * DAY)
    recent = aged(stored_job(forecast.configuration, GOOD_CSV, status="succeeded"), 89 * DAY)
    old_but_queued = aged(stored_job(forecast.configuration, GOOD_CSV), 91 * DAY)
    result = import_housekeeping()
    assert result.jobs_deleted == 2
    left = set(ImportJob.objects.values_list("pk", flat=True))
    assert left == {recent.pk, old_but_queued.pk}
    assert old_success.pk not in left and old_failure.pk not in left


def test_it_uses_the_retention_setting(forecast, settings):
    settings.RETENTION_DAYS = 7
    aged(stored_job(forecast.configuration, GOOD_CSV, status="succeeded"), 8 * DAY)
    kept = aged(stored_job(forecast.configuration, GOOD_CSV, status="succeeded"), 6 * DAY)
    assert import_housekeeping().jobs_deleted == 1
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [kept.pk]


def test_it_deletes_orphaned_upload_files_older_than_an_hour(forecast):
    orphan = import_upload_store(stream=io.BytesIO(GOOD_CSV), job_id=uuid.uuid4(), max_bytes=100)
    queued = stored_job(forecast.configuration, GOOD_CSV)
    running = stored_job(forecast.configuration, GOOD_CSV, status="running")
    # Finished, yet its file is still there (the worker died before deleting it).
    finished = stored_job(forecast.configuration, GOOD_CSV, status="succeeded")

    assert import_housekeeping().files_deleted == 0  # all fresh: maybe still arriving

    result = import_housekeeping(now=timezone.now() + datetime.timedelta(minutes=61))
    assert result.files_deleted == 2
    assert not default_storage.exists(orphan)
    assert not default_storage.exists(finished.upload_name)
    assert default_storage.exists(queued.upload_name)
    assert default_storage.exists(running.upload_name)


def test_it_copes_with_nothing_ever_uploaded(db):
    result = import_housekeeping()
    assert (result.jobs_deleted, result.files_deleted) == (0, 0)
