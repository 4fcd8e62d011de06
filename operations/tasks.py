"""The heartbeat beat sends every ~10 s to each queue (`operations.tasks.heartbeat`): the default
queue's and the imports' (CELERY_IMPORT_QUEUE), which a deployment may give workers of their own,
so readiness can tell that either kind of work has stopped being picked up.

Why a task sent by beat rather than a worker signal (`heartbeat_sent`, a timer in the worker):
a signal runs in the worker's own consumer loop and says only that the process is alive. It keeps
beating while every pool thread is stuck on a slow service or the broker connection is gone, and
its database write would stall the loop that fetches messages. A task has to travel the whole
way — beat sends it, the broker carries it, a free thread of some worker runs it — so a young
heartbeat means background work is actually being picked up, with the threads pool, the prefork
pool or beat embedded in a worker (`-B`) alike.

A heartbeat that waited in the queue longer than WORKER_HEARTBEAT_MAX_AGE expires unrun: when
the workers fall that far behind, readiness says so instead of a late heartbeat looking fresh,
and heartbeats sent while no worker ran do not pile up.
"""

from __future__ import annotations

import socket

from celery import shared_task
from django.conf import settings

from operations.services import worker_heartbeat_record


@shared_task(
    bind=True,
    name="operations.tasks.heartbeat",
    ignore_result=True,
    expires=settings.WORKER_HEARTBEAT_MAX_AGE,
)
def heartbeat(self, queue: str = "") -> None:
    """`queue` is the queue beat sent it on (only a worker consuming that queue runs it)."""
    worker_heartbeat_record(
        hostname=self.request.hostname or socket.gethostname(),
        queue=queue or settings.CELERY_TASK_DEFAULT_QUEUE,
    )
