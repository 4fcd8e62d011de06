"""The heartbeat task beat sends: it records which worker ran it, and when."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from operations.models import WorkerHeartbeat
from operations.selectors import worker_heartbeat_age
from operations.services import worker_heartbeat_record
from operations.tasks import heartbeat as heartbeat_task
from tests.celery_worker import celery_worker_process
from tests.operations.conftest import DEFAULT, IMPORTS, heartbeat


@pytest.mark.django_db
def test_it_records_the_worker_that_ran_it():
    heartbeat_task.apply()

    row = WorkerHeartbeat.objects.get()
    assert row.hostname
    assert row.queue == DEFAULT  # sent without a queue: the default queue's
    assert abs((timezone.now() - row.seen_at).total_seconds()) < 5
    assert worker_heartbeat_age(queue=DEFAULT) < 5
    assert worker_heartbeat_age(queue=IMPORTS) is None


@pytest.mark.django_db
def test_it_records_the_queue_beat_sent_it_on():
    heartbeat_task.apply(kwargs={"queue": IMPORTS})

    row = WorkerHeartbeat.objects.get()
    assert row.queue == IMPORTS
    assert worker_heartbeat_age(queue=IMPORTS) < 5
    assert worker_heartbeat_age(queue=DEFAULT) is None


def test_beat_sends_one_heartbeat_to_each_queue(settings):
    sent = {
        entry["options"]["queue"]: entry["kwargs"]["queue"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "operations.tasks.heartbeat"
    }
    assert sent == {DEFAULT: DEFAULT, IMPORTS: IMPORTS}


@pytest.mark.django_db
def test_it_updates_the_row_of_a_worker_seen_before():
    heartbeat_task.apply()
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=5))

    heartbeat_task.apply()

    row = WorkerHeartbeat.objects.get()
    assert timezone.now() - row.seen_at < timedelta(seconds=5)


@pytest.mark.django_db
def test_it_keeps_one_row_per_worker_and_queue_and_forgets_workers_gone_for_a_day():
    heartbeat(seconds_ago=30, hostname="celery@worker-2", queues=(DEFAULT,))
    heartbeat(seconds_ago=2 * 86400, hostname="celery@old-container")

    worker_heartbeat_record(hostname="celery@worker-1", queue=DEFAULT)
    worker_heartbeat_record(hostname="celery@worker-1", queue=IMPORTS)
    worker_heartbeat_record(hostname="celery@worker-1", queue=IMPORTS)

    assert sorted(WorkerHeartbeat.objects.values_list("hostname", "queue")) == [
        ("celery@worker-1", DEFAULT),
        ("celery@worker-1", IMPORTS),
        ("celery@worker-2", DEFAULT),
    ]


@pytest.mark.django_db(transaction=True)
def test_it_runs_on_a_real_worker_for_each_queue_beat_sends_it_on():
    assert not WorkerHeartbeat.objects.exists()
    with celery_worker_process(concurrency=2) as worker:
        for entry in settings.CELERY_BEAT_SCHEDULE.values():
            if entry["task"] == heartbeat_task.name:
                heartbeat_task.apply_async(kwargs=entry["kwargs"], **entry["options"])
        deadline = time.monotonic() + 30
        while WorkerHeartbeat.objects.count() < 2:
            assert time.monotonic() < deadline, "".join(worker.log[-40:])
            time.sleep(0.05)

    rows = WorkerHeartbeat.objects.order_by("queue")
    assert {row.queue for row in rows} == {DEFAULT, IMPORTS}
    assert all(row.hostname.startswith("test-") for row in rows)  # tests/celery_worker.py's name
    assert worker_heartbeat_age(queue=DEFAULT) < 30
    assert worker_heartbeat_age(queue=IMPORTS) < 30
