"""Runs pending deliveries off the request, so a click answers at once and the page polls.

`delivery_dispatch(delivery_id)` queues the delivery in this process, in a lane of its own for
its (workspace, host). All the work is `integrations.services.deliveries.delivery_execute(
delivery_id=...)`: to move it to a Celery or RQ worker, enqueue that call with the id instead
(ideally on a queue per host, for the reason below); it is safe to run twice (only the first run
sends) and needs nothing from the request.

Why lanes: a service that takes 10 s to answer holds a thread for 10 s. With one shared pool, a
dozen clicks on a slow service would fill it and a click on a fast one would wait behind them.
Each (workspace, host) gets its own FIFO queue served by at most `CALLS_PER_HOST` threads, so a
slow host only ever slows itself. Threads start when a lane has work and end when it is empty.

At most `BUSY_HOSTS` lanes run at once, so at most CALLS_PER_HOST × BUSY_HOSTS threads, each
holding a database connection while it waits on the remote service; that keeps a process well
inside PostgreSQL's default of 100 connections. A lane arriving while all are busy waits for the
first to empty, in arrival order.

A process that stops with calls still queued leaves them pending: the page then says no result
was recorded, the same person's next click is no longer held back, and `delivery_execute` will
not send such an old delivery if it is ever run (see `pending_send_window`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from django.conf import settings
from django.db import close_old_connections, connections, transaction

from integrations.models import Delivery
from integrations.services.deliveries import delivery_execute

logger = logging.getLogger(__name__)

# Two concurrent calls per host: one slow call does not hold up the next, and a single
# workspace cannot open a flood of connections to one service.
CALLS_PER_HOST = 2
BUSY_HOSTS = 16

LaneKey = tuple[int, str]


class _Lanes:
    """Per-(workspace, host) FIFO queues, each served by up to `per_host` short-lived threads."""

    def __init__(self, *, per_host: int, busy_hosts: int) -> None:
        self.per_host = per_host
        self.busy_hosts = busy_hosts
        self._lock = threading.Lock()
        # Insertion order is arrival order: a lane waiting for a free slot is served in turn.
        self._queues: dict[LaneKey, deque[int]] = {}
        self._threads: dict[LaneKey, int] = {}

    def submit(self, key: LaneKey, delivery_id: int) -> None:
        with self._lock:
            self._queues.setdefault(key, deque()).append(delivery_id)
            self._start_threads()

    def _start_threads(self) -> None:
        """Give queued work the threads it may have. Call with the lock held."""
        for key, queue in self._queues.items():
            running = self._threads.get(key, 0)
            if running == 0 and len(self._threads) >= self.busy_hosts:
                continue  # every lane slot is taken; this host waits its turn
            # A running thread may be about to take the next id itself; starting one too many
            # only costs a thread that finds the queue empty and ends.
            for _ in range(min(self.per_host - running, len(queue))):
                name = f"delivery-{key[0]}-{key[1]}"[:60]
                thread = threading.Thread(target=self._serve, args=(key,), name=name, daemon=True)
                try:
                    thread.start()
                except RuntimeError:
                    # Out of threads: the queued ids stay queued for the lane's next thread, and
                    # any left when the process stops are reported as lost.
                    logger.error("Could not start a delivery thread for %s", key[1])
                    return
                self._threads[key] = self._threads.get(key, 0) + 1

    def _serve(self, key: LaneKey) -> None:
        while True:
            with self._lock:
                queue = self._queues.get(key)
                if not queue:
                    self._queues.pop(key, None)
                    self._threads[key] -= 1
                    if not self._threads[key]:
                        del self._threads[key]
                        self._start_threads()  # a lane slot is free for a waiting host
                    return
                delivery_id = queue.popleft()
            _run(delivery_id)


_lanes = _Lanes(per_host=CALLS_PER_HOST, busy_hosts=BUSY_HOSTS)


def delivery_dispatch(delivery_id: int) -> None:
    if settings.DELIVERY_RUN_INLINE:
        delivery_execute(delivery_id=delivery_id)
        return
    lane = Delivery.objects.filter(pk=delivery_id).values_list("workspace_id", "host").first()
    if lane is None:
        return
    # After commit: the worker's own connection must be able to see the pending row.
    transaction.on_commit(lambda: _lanes.submit(lane, delivery_id))


def _run(delivery_id: int) -> None:
    close_old_connections()
    try:
        delivery_execute(delivery_id=delivery_id)
    except Exception as error:
        # Only the type: an exception's text could quote a stored secret.
        logger.error("Delivery %s failed in the worker: %s", delivery_id, type(error).__name__)
    finally:
        # Threads do not pass through Django's request_finished signal, which would close it.
        connections.close_all()
