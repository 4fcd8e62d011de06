"""Recording a click: exactly one Delivery per click, never over the hourly quota.

`delivery_start` runs in the request. Under the (workspace, host) lock it decides whether the
click may send and, if so, records it as waiting (a call, counted in the quota); a click that
may not send is recorded as refused, duplicate or blocked, under the lock on SQLite and just
after it on PostgreSQL (where the locked part is one database function,
integrations/services/delivery_start_statement.py): such a row counts for nothing. It opens no
connection: a waiting delivery is handed to a worker, which claims and sends
it (integrations/services/delivery_send.py). Callers outside integrations go through the one
door, integrations/services/sending.py.

Quota rule: a call counts from the moment it is recorded as waiting, against the host it was
counted for (the canonical spelling, see `address_policy.canonical_host`). If the call is then
not sent after all (blocked at send time, the connection disabled or pointed at another host
meanwhile, or it waited so long that it was given up), nothing reached the host, so the call
gives its slot back. Every other outcome keeps counting, failures, time-outs and sends whose
worker died included: the service may well have received them.

A Delivery never holds a header value or the body. The stored response excerpt has them masked
in case the service echoes the request back, and is encrypted at rest; a connection set not to
keep response bodies stores none.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from integrations.address_policy import canonical_host
from integrations.models import Connection, Delivery
from integrations.selectors.deliveries import (
    QUOTA_WINDOW,
    delivery_max_wait,
    delivery_sending_dead_after,
    quota_next_possible_for,
    quota_next_possible_from,
)
from integrations.services import delivery_words as words
from integrations.services.delivery_start_statement import (
    StartState,
    delivery_start_in_one_statement,
)
from integrations.services.quota import host_lock_hold, quota_refusal_message
from workspace.models import Application, Workspace
from workspace.selectors import AnyUser

Outcome = Delivery.Outcome
Reason = Delivery.Reason
State = Delivery.State

_RELATED = ["workspace", "connection", "user"]
_CONNECTIONS = Connection._meta.db_table
_SHARED = Connection.applications.through._meta.db_table
_DELIVERIES = Delivery._meta.db_table


def delivery_start(
    *,
    connection: Connection,
    user: AnyUser | None,
    source: str,
    board_id: int | None = None,
    widget_id: int | None = None,
    board_name: str = "",
    widget_label: str = "",
    application: Application | None = None,
) -> Delivery:
    """Record one click. Returns a waiting delivery to hand to a worker, or a final one
    (refused, duplicate, blocked) that sends nothing.

    `application`, when given, is the board's application: a connection no longer granted to it
    is blocked here too, whatever the caller checked.
    """
    # Setup already stores the canonical spelling; canonicalising again keeps rows saved before
    # that rule from splitting one host's quota.
    host = canonical_host(connection.host)
    fields: dict[str, Any] = {
        "workspace_id": connection.workspace_id,
        "connection": connection,
        "connection_name": connection.name,
        "host": host,
        "user": user if user is not None and user.is_authenticated else None,
        "source": source,
        "board_id": board_id,
        "widget_id": widget_id,
        "board_name": board_name[:200],
        "widget_label": widget_label[:200],
    }
    if db_connection.vendor == "postgresql":
        return _start_in_one_statement(fields, connection, application, host=host)
    return _start_in_transaction(fields, connection, application, host=host)


def _start_in_transaction(
    fields: dict[str, Any], connection: Connection, application: Application | None, *, host: str
) -> Delivery:
    """Lock, decision read and record as statements of one transaction (SQLite, where the
    IMMEDIATE transaction is the lock)."""
    with transaction.atomic():
        host_lock_hold(workspace_id=connection.workspace_id, host=host)
        # Read the clock only once the lock is ours, so the ledger's times follow the lock order.
        now = timezone.now()
        # Checked afresh under the lock: the caller's copy may predate an admin's change.
        current = _current_state(connection, application, fields, host=host, now=now)
        refusal = _refusal(current, connection, application, host=host, now=now)
        if refusal is not None:
            return _record_refusal(fields, refusal, now=now)
        return _record(
            fields, Outcome.PENDING, Reason.NONE, words.WAITING, now=now, counts_toward_quota=True
        )


def _start_in_one_statement(
    fields: dict[str, Any], connection: Connection, application: Application | None, *, host: str
) -> Delivery:
    """PostgreSQL: lock, decision read and the waiting row in one statement. The clock is read
    before the lock here; the quota stays exact all the same, since each click counts every
    call made after its own time less an hour, those recorded later in time included."""
    now = timezone.now()
    waiting = _checked(
        fields, Outcome.PENDING, Reason.NONE, words.WAITING, now=now, counts_toward_quota=True
    )
    current, delivery_id = delivery_start_in_one_statement(
        waiting, application=application, now=now
    )
    if delivery_id is not None:
        waiting.pk = delivery_id
        waiting._state.adding = False
        waiting._state.db = db_connection.alias
        return waiting
    # Not sent: what the lock holder decided, recorded afterwards (a refusal counts for nothing).
    refusal = _refusal(current, connection, application, host=host, now=now)
    if refusal is None:
        # Refused for a full hour that has room by now (the function answers when a full
        # hour frees, so this should not happen): decide again, by the statements one by one.
        return _start_in_transaction(fields, connection, application, host=host)
    return _record_refusal(fields, refusal, now=now)


def _refusal(
    current: StartState | None,
    connection: Connection,
    application: Application | None,
    *,
    host: str,
    now: datetime,
) -> tuple[str, str, str] | None:
    """Why the click may not send (outcome, reason, words), None if it may."""
    if current is None:
        return Outcome.BLOCKED, Reason.DELETED, words.DELETED
    if not current.enabled:
        return Outcome.BLOCKED, Reason.DISABLED, words.DISABLED
    if application is not None and not current.granted:
        return Outcome.BLOCKED, Reason.NOT_SHARED, words.not_shared_words(application.name)
    if current.in_flight:
        return Outcome.DUPLICATE, Reason.DUPLICATE, words.DUPLICATE
    if current.counted >= settings.OUTBOUND_CALLS_PER_HOUR:
        if current.frees_at is not None:
            next_at: datetime | None = quota_next_possible_from(current.frees_at)
        else:
            next_at = quota_next_possible_for(
                workspace_id=connection.workspace_id, host=host, now=now
            )
        if next_at is not None:
            return Outcome.REFUSED, Reason.QUOTA, quota_refusal_message(next_possible_at=next_at)
    return None


def _record_refusal(
    fields: dict[str, Any], refusal: tuple[str, str, str], *, now: datetime
) -> Delivery:
    outcome, reason, detail = refusal
    if reason == Reason.DELETED:
        fields = {**fields, "connection": None}
    return _record(fields, outcome, reason, detail, now=now)


def delivery_record_unavailable(
    *,
    workspace: Workspace,
    user: AnyUser | None,
    board_id: int | None,
    widget_id: int | None,
    board_name: str,
    widget_label: str,
    reason: str = Reason.DELETED,
    detail: str = words.DELETED,
) -> Delivery:
    """Record a click on a button whose connection is gone: blocked, sent nowhere, not counted.

    Every click leaves exactly one record, even when there is no connection left to record it
    against: the workspace's ledger then still accounts for every press of every button.
    """
    fields: dict[str, Any] = {
        "workspace_id": workspace.pk,
        "connection": None,
        "connection_name": words.DELETED_CONNECTION_NAME,
        "host": "",
        "user": user if user is not None and user.is_authenticated else None,
        "source": Delivery.Source.WIDGET,
        "board_id": board_id,
        "widget_id": widget_id,
        "board_name": board_name[:200],
        "widget_label": widget_label[:200],
    }
    # No host to name: the record is checked like any other except for that one field.
    return _record(fields, Outcome.BLOCKED, reason, detail[:300], unchecked=("host",))


def _current_state(
    connection: Connection,
    application: Application | None,
    fields: dict[str, Any],
    *,
    host: str,
    now: datetime,
) -> StartState | None:
    """Everything the click's decision reads, as the database has it now, in one statement;
    None when the connection is gone.

    Written as SQL rather than built by the ORM: this runs on every click while the host lock is
    held, and assembling the same query from Exists/Subquery expressions cost more than running
    it. The ORM's own spelling of each part: `quota_counted_for` (the count), and for the repeat
    check the unfinished rows `delivery_effective_state` still reads as pending. A row past its
    time is not counted, swept or not, so one crash cannot disable a button for good.
    """
    # Table names come from the models and every value is a parameter: nothing here is input.
    at = db_connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    if application is None or application.workspace_id != connection.workspace_id:
        granted = "%s"
        params.append(application is None)
    else:
        granted = (
            f"EXISTS (SELECT 1 FROM {_SHARED} WHERE connection_id = %s AND application_id = %s)"  # noqa: S608
        )
        params += [connection.pk, application.pk]
    user = fields["user"]
    if user is None:
        in_flight = "%s"
        params.append(False)
    else:
        # The same person's unfinished click on the same button (widget, or the admin Test).
        same_button = (
            "widget_id = %s"
            if fields["widget_id"] is not None
            else "connection_id = %s AND source = %s AND widget_id IS NULL"
        )
        in_flight = (
            f"EXISTS (SELECT 1 FROM {_DELIVERIES} WHERE user_id = %s AND {same_button}"  # noqa: S608
            " AND ((state = %s AND created_at > %s) OR (state = %s AND sending_started_at > %s)))"
        )
        params.append(user.pk)
        if fields["widget_id"] is not None:
            params.append(fields["widget_id"])
        else:
            params += [connection.pk, str(fields["source"])]
        params += [
            State.WAITING.value,  # plain str: a driver may not know the enum type
            at(now - delivery_max_wait()),
            State.SENDING.value,
            at(now - delivery_sending_dead_after()),
        ]
    counted = (
        f"(SELECT COUNT(*) FROM {_DELIVERIES} WHERE workspace_id = %s AND host = %s"  # noqa: S608
        " AND counts_toward_quota = %s AND created_at > %s)"
    )
    params += [connection.workspace_id, host, True, at(now - QUOTA_WINDOW), connection.pk]
    sql = f"SELECT enabled, {granted}, {in_flight}, {counted} FROM {_CONNECTIONS} WHERE id = %s"  # noqa: S608
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    enabled, shared, busy, used = found
    return StartState(bool(enabled), bool(shared), bool(busy), int(used))


def _record(
    fields: dict[str, Any],
    outcome: str,
    reason: str,
    detail: str,
    *,
    now: datetime | None = None,
    counts_toward_quota: bool = False,
    unchecked: tuple[str, ...] = (),
) -> Delivery:
    delivery = _checked(
        fields,
        outcome,
        reason,
        detail,
        now=now or timezone.now(),
        counts_toward_quota=counts_toward_quota,
        unchecked=unchecked,
    )
    delivery.save()
    return delivery


def _checked(
    fields: dict[str, Any],
    outcome: str,
    reason: str,
    detail: str,
    *,
    now: datetime,
    counts_toward_quota: bool = False,
    unchecked: tuple[str, ...] = (),
) -> Delivery:
    """The record, validated and not saved yet."""
    delivery = Delivery(
        **fields,
        state=State.WAITING if outcome == Outcome.PENDING else State.FINAL,
        outcome=outcome,
        reason=reason,
        detail=detail,
        counts_toward_quota=counts_toward_quota,
        idempotency_key=uuid.uuid4(),
        created_at=now,
        finished_at=None if outcome == Outcome.PENDING else now,
    )
    # The related rows were just loaded by the caller; checking that they exist again would add
    # three queries to every click. The key is a fresh uuid4.
    delivery.full_clean(exclude=[*_RELATED, *unchecked], validate_unique=False)
    return delivery
