"""Runs pending deliveries off the request, so a click answers at once and the page polls.

`delivery_dispatch(delivery_id)` hands the delivery to a small pool of threads in this process.
All the work is `integrations.services.deliveries.delivery_execute(delivery_id=...)`: to move it
to a Celery or RQ worker, enqueue that call with the id instead; it is safe to run twice (only
the first run sends) and needs nothing from the request.

A process that stops with calls still queued leaves them pending: the page then says no result
was recorded, and the same person's next click is no longer held back once the send deadline has
passed (see `_in_flight` in the services).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections, transaction

from integrations.services.deliveries import delivery_execute

logger = logging.getLogger(__name__)

# Each worker holds one database connection while it waits on the remote service; four keeps
# that small while letting a few slow services not block everyone else.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="delivery")


def delivery_dispatch(delivery_id: int) -> None:
    if settings.DELIVERY_RUN_INLINE:
        delivery_execute(delivery_id=delivery_id)
        return
    # After commit: the worker's own connection must be able to see the pending row.
    transaction.on_commit(lambda: _executor.submit(_run, delivery_id))


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
