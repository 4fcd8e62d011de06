"""Writes: a worker's heartbeat."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models.functions import Now
from django.utils import timezone

from operations.models import WorkerHeartbeat

# Workers come and go under new names (a container per deploy): their rows go after a day.
FORGET_AFTER = timedelta(days=1)


def worker_heartbeat_record(*, hostname: str, queue: str) -> None:
    """Mark `hostname` as seen now taking work from `queue`, by the database's clock: readiness
    measures the age by the same clock, so web and worker machines whose clocks disagree do
    not matter."""
    mine = WorkerHeartbeat.objects.filter(hostname=hostname, queue=queue)
    if not mine.update(seen_at=Now()):
        try:
            with transaction.atomic():
                WorkerHeartbeat.objects.create(hostname=hostname, queue=queue, seen_at=Now())
        except IntegrityError:
            # Another thread of the same worker created the row in the meantime.
            mine.update(seen_at=Now())
    WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - FORGET_AFTER).delete()
