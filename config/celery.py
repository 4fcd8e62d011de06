"""The Celery app: deliveries and imports run on workers, periodic sweeps on beat.

The database row is the truth and the broker only carries ids: every task looks its row up,
decides from the row's state whether there is anything to do, and is safe to run twice. Settings
are the CELERY_* names in config/settings.py.
"""

from __future__ import annotations

import os
import threading
from collections import deque

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# filesystem:// (the broker with no server, config/settings.py) writes each message atomically.
TRANSPORT_ALIASES["filesystem"] = "config.kombu_filesystem:Transport"

app = Celery("switchboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_after_commit(task, *args) -> None:
    """Hand `task(*args)` to the workers once the surrounding transaction has committed, so the
    worker's own connection finds the row it is handed.

    With task_always_eager (the test suite) the task runs here and now instead: the test's
    transaction never commits, and the row is visible to this connection already. A task
    enqueued by a task running that way runs after it, not inside it, as a queue would run it
    (a send hands its slot on to the next, which hands on again: nested, a long line would
    overflow the stack).
    """
    from django.db import transaction

    if not app.conf.task_always_eager:
        transaction.on_commit(lambda: task.delay(*args))
        return
    line = getattr(_eager, "line", None)
    if line is not None:
        line.append((task, args))
        return
    _eager.line = deque([(task, args)])
    try:
        while _eager.line:
            queued, queued_args = _eager.line.popleft()
            queued.apply(args=queued_args)
    finally:
        _eager.line = None


_eager = threading.local()


def tasks_run_in_place() -> bool:
    """Whether enqueued tasks have already run when `enqueue_after_commit` returns (eager)."""
    return bool(app.conf.task_always_eager)
