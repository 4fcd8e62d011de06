"""The heartbeat task beat sends: it records which worker ran it, and when."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from operations.models import WorkerHeartbeat
from operations.selectors import worker_heartbeat_age
from operations.services import worker_heartbeat_record
from operations.tasks import heartbeat as heartbeat_task
from tests.celery_worker import celery_worker_process
from tests.operations.conftest import heartbeat


@pytest.mark.django_db
def test_it_records_the_worker_that_ran_it():
    heartbeat_task.apply()

    row = WorkerHeartbeat.objects.get()
    assert row.hostname
    assert abs((timezone.now() - row.seen_at).total_seconds()) < 5
    assert worker_heartbeat_age() < 5


@pytest.mark.django_db
def test_it_updates_the_row_of_a_worker_seen_before():
    heartbeat_task.apply()
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=5))

    heartbeat_task.apply()

    row = WorkerHeartbeat.objects.get()
    assert timezone.now() - row.seen_at < timedelta(seconds=5)


@pytest.mark.django_db
def test_it_keeps_one_row_per_worker_and_forgets_workers_gone_for_a_day():
    heartbeat(seconds_ago=30, hostname="celery@worker-2")
    heartbeat(seconds_ago=2 * 86400, hostname="celery@old-container")

    worker_heartbeat_record(hostname="celery@worker-1")

    assert sorted(WorkerHeartbeat.objects.values_list("hostname", flat=True)) == [
        "celery@worker-1",
        "celery@worker-2",
    ]


@pytest.mark.django_db(transaction=True)
def test_it_runs_on_a_real_worker():
    assert not WorkerHeartbeat.objects.exists()
    with celery_worker_process(concurrency=2) as worker:
        heartbeat_task.delay()
        deadline = time.monotonic() + 30
        while not WorkerHeartbeat.objects.exists():
            assert time.monotonic() < deadline, "".join(worker.log[-40:])
            time.sleep(0.05)

    row = WorkerHeartbeat.objects.get()
    assert row.hostname.startswith("test-")  # the worker's own name (tests/celery_worker.py)
    assert worker_heartbeat_age() < 30
