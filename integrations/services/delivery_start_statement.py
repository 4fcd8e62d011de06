"""The click's ledger transaction on PostgreSQL: one call of the database function
`integrations_delivery_start` (integrations/migrations/0007), in autocommit one round trip
where the statements one by one were five.

It takes the host lock, reads what the decision needs and inserts the waiting row if the click
may send, all under the lock. When it may not, it inserts nothing and answers why; the caller
then records the refusal, which counts toward nothing, so it needs no lock.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.db import connection as db_connection
from django.db.models import Field

from integrations.models import Delivery
from integrations.selectors.deliveries import (
    QUOTA_WINDOW,
    delivery_max_wait,
    delivery_sending_dead_after,
)
from workspace.models import Application

# The waiting row's columns, in the function's parameter order (after the decision's own).
ROW_FIELDS = (
    "workspace",
    "connection",
    "connection_name",
    "host",
    "user",
    "source",
    "board_id",
    "widget_id",
    "board_name",
    "widget_label",
    "idempotency_key",
    "state",
    "outcome",
    "reason",
    "counts_toward_quota",
    "http_status",
    "duration_ms",
    "response_excerpt",
    "detail",
    "created_at",
    "sending_started_at",
    "finished_at",
)
_ROW = [cast("Field[Any, Any]", Delivery._meta.get_field(name)) for name in ROW_FIELDS]
_DECISION_PARAMETERS = 7
_PLACEHOLDERS = ", ".join(["%s"] * (_DECISION_PARAMETERS + len(ROW_FIELDS)))
_CALL = (
    "SELECT found, enabled, granted, in_flight, counted, frees_at, delivery_id"  # noqa: S608 (placeholders only)
    f" FROM integrations_delivery_start({_PLACEHOLDERS})"
)


class StartState(NamedTuple):
    """What the click's decision reads under the lock."""

    enabled: bool
    granted: bool  # shared with the board's application (True without one)
    in_flight: bool  # the same person's previous click on the same button is unfinished
    counted: int  # calls counted against the host in the rolling hour
    frees_at: datetime | None = None  # quota full: when the call that must leave first was made


def delivery_start_in_one_statement(
    waiting: Delivery, *, application: Application | None, now: datetime
) -> tuple[StartState | None, int | None]:
    """Insert `waiting` (checked, unsaved) if the click may send. Returns what the decision
    read (None: the connection is gone) and the new row's id (None: not inserted)."""
    may_share = application is None or application.workspace_id == waiting.workspace_id
    params: list[Any] = [
        application.pk if application is not None and may_share else None,
        may_share,
        Delivery.State.SENDING.value,  # plain str: the driver does not know the enum type
        now - delivery_max_wait(),
        now - delivery_sending_dead_after(),
        now - QUOTA_WINDOW,
        settings.OUTBOUND_CALLS_PER_HOUR,
    ]
    for field in _ROW:
        value = field.get_db_prep_save(field.pre_save(waiting, add=True), connection=db_connection)
        params.append(value.value if isinstance(value, Enum) else value)  # the driver wants str
    with db_connection.cursor() as cursor:
        cursor.execute(_CALL, params)
        found, enabled, granted, in_flight, counted, frees_at, delivery_id = cursor.fetchone()
    if not found:
        return None, None
    return StartState(enabled, granted, in_flight, int(counted), frees_at), delivery_id
