"""The hourly call quota per (workspace, host): the lock that makes it exact, and its words.

The delivery log is the ledger: a call counts while its Delivery has `counts_toward_quota` and
was created less than an hour ago. Counting and recording a counted call happen in one
transaction that holds the (workspace, host) lock (on PostgreSQL one call of a database function
that takes this same row lock, integrations/migrations/0007), so concurrent clicks in any number
of processes are decided one after another and never overshoot.
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
    # Hand-written: this runs on every click, and the ORM's get_or_create cost more in Python than
    # the statements themselves. Both spellings below are standard SQL that PostgreSQL and SQLite
    # share; the table name comes from the model and the values are parameters.
    params: tuple[int, str] = (workspace_id, host)
    with db_connection.cursor() as cursor:
        if not db_connection.features.has_select_for_update:
            # SQLite: the transaction holds the write lock already; the row is only bookkeeping.
            cursor.execute(_CREATE, params)
            return
        cursor.execute(_LOCK, params)
        if cursor.fetchone() is None:
            # The host's first click. A concurrent creator makes this wait on the unique index
            # until it commits; either way the row exists afterwards and is locked next.
            cursor.execute(_CREATE, params)
            cursor.execute(_LOCK, params)


_LOCKS = HostLock._meta.db_table
_LOCK = f"SELECT 1 FROM {_LOCKS} WHERE workspace_id = %s AND host = %s FOR UPDATE"  # noqa: S608
_CREATE = (
    f"INSERT INTO {_LOCKS} (workspace_id, host) VALUES (%s, %s)"  # noqa: S608
    " ON CONFLICT (workspace_id, host) DO NOTHING"
)


def quota_refusal_message(*, next_possible_at: datetime) -> str:
    """Words everyone may read: no host (the delivery log has it in a column of its own)."""
    at = timezone.localtime(next_possible_at).strftime("%H:%M %Z")
    limit = settings.OUTBOUND_CALLS_PER_HOUR
    return (
        f"Limit reached: {limit} call{'' if limit == 1 else 's'} an hour to this service"
        f" — next call possible at {at}"
    )
