"""The Celery app: deliveries and imports run on workers, periodic sweeps on beat.

The database row is the truth and the broker only carries ids: every task looks its row up,
decides from the row's state whether there is anything to do, and is safe to run twice. Settings
are the CELERY_* names in config/settings.py.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

from celery import Celery
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


@contextlib.contextmanager
def messages_held() -> Iterator[list[tuple]]:
    """Inside the block, messages enqueued from this context wait in the list it yields
    (`messages_send` sends them) instead of leaving at their commit."""
    held: list[tuple] = []
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


def messages_send(held: list[tuple]) -> None:
    for task, args in held:
        _publisher().submit(_publish, task, args)
    held.clear()


_held: ContextVar[list[tuple] | None] = ContextVar("celery_held_messages", default=None)

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
