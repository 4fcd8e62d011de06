"""The Celery app: deliveries and imports run on workers, periodic sweeps on beat.

The database row is the truth and the broker only carries ids: every task looks its row up,
decides from the row's state whether there is anything to do, and is safe to run twice. Settings
are the CELERY_* names in config/settings.py.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

from celery import Celery
from django.core.signals import request_finished, request_started
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# filesystem:// (the broker with no server, config/settings.py) writes each message atomically.
TRANSPORT_ALIASES["filesystem"] = "config.kombu_filesystem:Transport"

logger = logging.getLogger(__name__)

app = Celery("switchboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_after_commit(task, *args) -> None:
    """Hand `task(*args)` to the workers once the surrounding transaction has committed, so the
    worker's own connection finds the row it is handed; in a request, once its response has
    been sent as well.

    With task_always_eager (the test suite) the task runs here and now instead: the test's
    transaction never commits, and the row is visible to this connection already. A task
    enqueued by a task running that way runs after it, not inside it, as a queue would run it
    (a send hands its slot on to the next, which hands on again: nested, a long line would
    overflow the stack).
    """
    from django.db import transaction

    if not app.conf.task_always_eager:
        transaction.on_commit(lambda: _hand_on(task, args))
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


def _hand_on(task, args: tuple) -> None:
    held = _held.get()
    if held is not None:
        held.append((task, args))
    else:
        _publisher().submit(_publish, task, args)


def _hold_until_response_sent(**_: object) -> None:
    """A request's messages leave once its response has been sent (request_finished fires when
    the server closes the response): publishing takes about a millisecond of this process's
    interpreter lock, which the request would otherwise wait for while drawing its answer.
    Anything a request left held (one aborted without a close) goes now."""
    _send_held()
    _held.set([])


def _send_held(**_: object) -> None:
    held = _held.get()
    _held.set(None)
    for task, args in held or ():
        _publisher().submit(_publish, task, args)


# A context variable, not a thread-local: under ASGI the signals and the view may run on
# different threads, and asgiref carries the request's context to each and back.
_held: ContextVar[list[tuple] | None] = ContextVar("celery_held_messages", default=None)
request_started.connect(_hold_until_response_sent, dispatch_uid="celery-hold-messages")
request_finished.connect(_send_held, dispatch_uid="celery-send-held-messages")

_eager = threading.local()
_publishers: dict[int, ThreadPoolExecutor] = {}
_publishers_lock = threading.Lock()


def _publisher() -> ThreadPoolExecutor:
    """This process's one publishing thread: a request answers without waiting on the broker.

    Safe because the row, not the message, is the truth: a message lost with a crashed process
    (or refused by a broker that is down) leaves its row waiting, and the delivery sweep hands it
    on within seconds. One thread keeps messages in the order they were committed; at exit it
    finishes what it holds first. Keyed by process id: a forked child starts its own.
    """
    pid = os.getpid()
    with _publishers_lock:
        if pid not in _publishers:
            _publishers[pid] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish")
        return _publishers[pid]


def _publish(task, args: tuple) -> None:
    try:
        task.delay(*args)
    except Exception:
        # Nothing to hand the error to; the row stays waiting until the sweep hands it on.
        logger.exception("Could not hand %s to the broker; the sweep will hand it on", task.name)


def tasks_run_in_place() -> bool:
    """Whether enqueued tasks have already run when `enqueue_after_commit` returns (eager)."""
    return bool(app.conf.task_always_eager)
