"""The hourly call quota per (workspace, host): the lock that makes it exact, and its words.

The delivery log is the ledger: a call counts while its Delivery has `counts_toward_quota` and
was created less than an hour ago. Counting and recording happen in one transaction that holds
the (workspace, host) lock, so concurrent clicks in any number of processes are decided one after
another and never overshoot.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection as db_connection
from django.utils import timezone

from integrations.models import HostLock


def host_lock_hold(*, workspace_id: int, host: str) -> None:
    """Take the (workspace, host) lock until the surrounding transaction ends.

    Call inside transaction.atomic(). On PostgreSQL this is a row lock on the HostLock row; the
    first click for a host creates the row, and a concurrent creator waits on the unique index,
    then finds and locks the row instead. Under READ COMMITTED (PostgreSQL's default) every
    query after the lock sees what the previous holder committed. SQLite has no row locks: there
    the IMMEDIATE transaction already holds the database's write lock, serialising every writer.
    """
    if not db_connection.in_atomic_block:
        raise RuntimeError("host_lock_hold must run inside transaction.atomic()")
    HostLock.objects.select_for_update().get_or_create(workspace_id=workspace_id, host=host)


def quota_refusal_message(*, next_possible_at: datetime) -> str:
    """Words everyone may read: no host (the delivery log has it in a column of its own)."""
    at = timezone.localtime(next_possible_at).strftime("%H:%M %Z")
    limit = settings.OUTBOUND_CALLS_PER_HOUR
    return (
        f"Limit reached: {limit} call{'' if limit == 1 else 's'} an hour to this service"
        f" — next call possible at {at}"
    )
