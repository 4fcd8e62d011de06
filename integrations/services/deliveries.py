"""Sending a connection's POST: exactly one Delivery per click, never over the hourly quota.

Two steps, so the slow one can run on a task-queue worker:

- `delivery_start` runs in the request. Under the (workspace, host) lock it decides whether the
  click may send and records it: pending (a call, counted in the quota), refused, duplicate or
  blocked. It opens no connection.
- `delivery_execute` sends a pending delivery through `integrations.egress` and records what
  happened. It is the one function a worker runs (see integrations/tasks.py).

Quota rule: a call counts from the moment it is recorded as pending, against the host it was
counted for (the canonical spelling, see `address_policy.canonical_host`). If the call is then
not sent after all (blocked at send time, the connection disabled or pointed at another host
meanwhile, or it waited so long that the click counts as lost), nothing reached the host, so the
call gives its slot back. Every other outcome keeps counting, failures and time-outs included:
the service may well have received them.

A Delivery never holds a header value or the body. The stored response excerpt has them masked
in case the service echoes the request back, and is encrypted at rest; a connection set not to
keep response bodies stores none.

Two sets of words: `delivery_public_message` for anyone who may click the button, and
`delivery_admin_message` for the delivery log. Only the log names what the remote service chose
(a redirect's target): a service must not be able to put words of its choosing on a board.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from integrations import egress
from integrations.address_policy import canonical_host, parse_endpoint_url
from integrations.encrypted_fields import DecryptionError
from integrations.models import Connection, Delivery
from integrations.selectors.deliveries import (
    delivery_is_lost,
    pending_lost_after,
    pending_send_window,
    quota_next_possible_at,
)
from integrations.services.masking import connection_secrets, mask
from integrations.services.quota import host_lock_hold, quota_refusal_message
from integrations.validators import validate_headers_text
from workspace.models import Application, Workspace
from workspace.selectors import AnyUser

logger = logging.getLogger(__name__)

Outcome = Delivery.Outcome

# A pending delivery's detail says whether a worker has picked it up. delivery_execute claims a
# delivery by switching the first to the second in one conditional UPDATE, so two workers handed
# the same id (task queues deliver at least once) never both send.
WAITING = "Waiting to send"
SENDING = "Sending…"
DUPLICATE = "Already sending — wait for the first click to finish"
DISABLED = "This connection is disabled"
DELETED = "This connection was deleted"
UNREADABLE = "The connection's settings could not be read — set it up again"
DELETED_CONNECTION_NAME = "(deleted connection)"
LOST = "No result was recorded for this call"
INTERNAL_ERROR = "The call could not be made because of an error on our side"
STALE = "Not sent: it waited too long to be sent"
ADDRESS_CHANGED = "Not sent: the connection's address changed after the click"
HEADERS_BREAK_RULES = (
    "Not sent: the stored headers break a rule added since they were set — replace them in the "
    "connection's settings"
)
REDIRECT_NOT_FOLLOWED = (
    "The service answered with a redirect, which Switchboard does not follow — "
    "tell your workspace admin"
)
EXCERPT_BYTES = 2048

_RELATED = ["workspace", "connection", "user"]

_PUBLIC_FALLBACK = {
    Outcome.PENDING: SENDING,
    Outcome.SUCCEEDED: "Sent",
    Outcome.FAILED: "The call failed",
    Outcome.TIMED_OUT: "No answer in time",
    Outcome.BLOCKED: "Blocked: that address is not public",
    Outcome.REFUSED: "Limit reached — try again later",
    Outcome.DUPLICATE: DUPLICATE,
}


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
    """Record one click. Returns a pending delivery to hand to `delivery_dispatch`, or a final one
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
    with transaction.atomic():
        host_lock_hold(workspace=connection.workspace, host=host)
        # Read the clock only once the lock is ours, so the ledger's times follow the lock order.
        now = timezone.now()
        # Checked afresh under the lock: the caller's copy may predate an admin's change.
        enabled = Connection.objects.filter(pk=connection.pk).values_list("enabled", flat=True)
        if not enabled:
            fields["connection"] = None
            return _record(fields, outcome=Outcome.BLOCKED, detail=DELETED, now=now)
        if not enabled[0]:
            return _record(fields, outcome=Outcome.BLOCKED, detail=DISABLED, now=now)
        if application is not None and not _granted(connection, application):
            detail = f"This connection is not available to {application.name}"[:300]
            return _record(fields, outcome=Outcome.BLOCKED, detail=detail, now=now)
        if _in_flight(fields, now=now).exists():
            return _record(fields, outcome=Outcome.DUPLICATE, detail=DUPLICATE, now=now)
        next_at = quota_next_possible_at(workspace=connection.workspace, host=host, now=now)
        if next_at is not None:
            detail = quota_refusal_message(host=host, next_possible_at=next_at)
            return _record(fields, outcome=Outcome.REFUSED, detail=detail, now=now)
        return _record(
            fields, outcome=Outcome.PENDING, detail=WAITING, now=now, counts_toward_quota=True
        )


def delivery_record_unavailable(
    *,
    workspace: Workspace,
    user: AnyUser | None,
    board_id: int | None,
    widget_id: int | None,
    board_name: str,
    widget_label: str,
    detail: str,
) -> Delivery:
    """Record a click on a button whose connection is gone: blocked, sent nowhere, not counted.

    Every click leaves exactly one record, even when there is no connection left to record it
    against: the workspace's ledger then still accounts for every press of every button.
    """
    fields: dict[str, Any] = {
        "workspace_id": workspace.pk,
        "connection": None,
        "connection_name": DELETED_CONNECTION_NAME,
        "host": "",
        "user": user if user is not None and user.is_authenticated else None,
        "source": Delivery.Source.WIDGET,
        "board_id": board_id,
        "widget_id": widget_id,
        "board_name": board_name[:200],
        "widget_label": widget_label[:200],
    }
    # No host to name: the record is checked like any other except for that one field.
    return _record(fields, outcome=Outcome.BLOCKED, detail=detail[:300], unchecked=("host",))


def delivery_execute(*, delivery_id: int) -> Delivery:
    """Send one pending delivery and record the result. Anything else is returned untouched.

    A delivery that waited past `pending_send_window()` is finished unsent instead: by the time
    its call could end, the click would count as lost and the person may have clicked again, so
    sending it then could deliver the same press twice.
    """
    waiting = Delivery.objects.filter(pk=delivery_id, outcome=Outcome.PENDING, detail=WAITING)
    cutoff = timezone.now() - pending_send_window()
    claimed = waiting.filter(created_at__gt=cutoff).update(detail=SENDING)
    stale = 0 if claimed else waiting.filter(created_at__lte=cutoff).update(detail=SENDING)
    delivery = Delivery.objects.get(pk=delivery_id)
    if stale:
        return _finish_unsent(delivery, outcome=Outcome.FAILED, detail=STALE)
    if not claimed:
        return delivery
    try:
        connection = Connection.objects.filter(pk=delivery.connection_id).first()
    except DecryptionError:
        return _finish(delivery, outcome=Outcome.FAILED, detail=UNREADABLE)
    if connection is None:
        return _finish(delivery, outcome=Outcome.BLOCKED, detail=DELETED)
    if not connection.enabled:
        return _finish(delivery, outcome=Outcome.BLOCKED, detail=DISABLED)
    if _sends_to(connection) != delivery.host:
        # The quota counted the click against delivery.host; sending elsewhere would spend a
        # call on a host that never paid for it, and not what the person pressed for.
        return _finish(delivery, outcome=Outcome.BLOCKED, detail=ADDRESS_CHANGED)
    try:
        headers = json.loads(connection.headers) if connection.headers else {}
    except ValueError:
        return _finish(delivery, outcome=Outcome.FAILED, detail=UNREADABLE)
    try:
        # Headers saved before a rule was added (a newly forbidden header, two spellings of
        # one) must not keep going out because nobody edited the connection since.
        validate_headers_text(connection.headers)
    except ValidationError:
        return _finish_unsent(delivery, outcome=Outcome.BLOCKED, detail=HEADERS_BREAK_RULES)
    try:
        result = egress.post_json(
            url=connection.url,
            headers=headers,
            body=connection.body,
            idempotency_key=str(delivery.idempotency_key),
        )
    except Exception as error:
        # Only the type: an exception's text could quote the URL or a header.
        logger.error("Delivery %s could not be sent: %s", delivery.pk, type(error).__name__)
        return _finish(delivery, outcome=Outcome.FAILED, detail=INTERNAL_ERROR)
    excerpt = ""
    if connection.keep_response_bodies:
        secrets = connection_secrets(url=connection.url, headers=headers, body=connection.body)
        excerpt = _excerpt(result, secrets=secrets)
    return _finish(
        delivery,
        outcome=str(result.outcome),
        detail=result.detail,
        http_status=result.status_code,
        duration_ms=result.duration_ms,
        response_excerpt=excerpt,
    )


def delivery_public_message(delivery: Delivery) -> str:
    """What anyone who may click the button may read: the outcome in words.

    Never the response body, nor a redirect's target (the remote service chose it). The rest
    of the detail is safe to show: egress and this module write it from the outcome, status,
    timings and the configured host only.
    """
    if _is_redirect(delivery):
        return REDIRECT_NOT_FOLLOWED
    return delivery_admin_message(delivery)


def delivery_admin_message(delivery: Delivery) -> str:
    """The outcome in words for the delivery log, which only Workspace Admins see: as the public
    message, but naming where a redirect pointed."""
    if delivery_is_lost(delivery):
        return LOST
    if delivery.outcome == Outcome.PENDING:
        return SENDING
    return delivery.detail or _PUBLIC_FALLBACK.get(delivery.outcome, delivery.outcome)


def _is_redirect(delivery: Delivery) -> bool:
    # Egress never follows a 3xx; any final 3xx is a redirect it refused.
    status = delivery.http_status
    return delivery.outcome == Outcome.FAILED and status is not None and 300 <= status < 400


def _sends_to(connection: Connection) -> str:
    """The host the connection's current URL would be sent to, spelled as the quota counts it."""
    try:
        return parse_endpoint_url(connection.url).host
    except ValidationError:
        # A URL today's rules refuse (plain http switched off, say): egress reports why.
        return canonical_host(connection.host)


def _granted(connection: Connection, application: Application) -> bool:
    return (
        application.workspace_id == connection.workspace_id
        and connection.applications.filter(pk=application.pk).exists()
    )


def _in_flight(fields: dict[str, Any], *, now: datetime) -> QuerySet[Delivery]:
    """The same person's unfinished click on the same button (widget, or the admin Test).

    A pending delivery older than the send deadline plus a margin is treated as lost (its worker
    died), so one crash cannot disable a button for good.
    """
    if fields["user"] is None:
        return Delivery.objects.none()
    pending = Delivery.objects.filter(
        user=fields["user"], outcome=Outcome.PENDING, created_at__gt=now - pending_lost_after()
    )
    if fields["widget_id"] is not None:
        return pending.filter(widget_id=fields["widget_id"])
    return pending.filter(
        connection=fields["connection"], source=fields["source"], widget_id__isnull=True
    )


def _record(
    fields: dict[str, Any],
    *,
    outcome: str,
    detail: str,
    now: datetime | None = None,
    counts_toward_quota: bool = False,
    unchecked: tuple[str, ...] = (),
) -> Delivery:
    now = now or timezone.now()
    delivery = Delivery(
        **fields,
        outcome=outcome,
        detail=detail,
        counts_toward_quota=counts_toward_quota,
        idempotency_key=uuid.uuid4(),
        created_at=now,
        finished_at=None if outcome == Outcome.PENDING else now,
    )
    # The related rows were just loaded by the caller; checking that they exist again would add
    # three queries to every click. The key is a fresh uuid4.
    delivery.full_clean(exclude=[*_RELATED, *unchecked], validate_unique=False)
    delivery.save()
    return delivery


def _finish(delivery: Delivery, *, outcome: str, detail: str, **result: Any) -> Delivery:
    delivery.outcome = outcome
    delivery.detail = detail[:300]
    delivery.finished_at = timezone.now()
    for name, value in result.items():
        setattr(delivery, name, value)
    if outcome == Outcome.BLOCKED:
        delivery.counts_toward_quota = False  # nothing reached the host: give the slot back
    delivery.full_clean(exclude=_RELATED, validate_unique=False)
    delivery.save(
        update_fields=["outcome", "detail", "finished_at", "counts_toward_quota", *result]
    )
    return delivery


def _finish_unsent(delivery: Delivery, *, outcome: str, detail: str) -> Delivery:
    delivery.counts_toward_quota = False  # nothing left us: give the slot back
    return _finish(delivery, outcome=outcome, detail=detail)


def _excerpt(result: egress.EgressResult, *, secrets: list[str]) -> str:
    """The first 2 KiB of the response, with any configured secret the service echoed masked.

    Masked before cutting, so a secret that straddles the cut cannot leave a readable half; for
    the same reason the start of a secret at the end of what egress kept is masked too.
    """
    text = result.response_excerpt
    truncated = len(text) >= egress.EXCERPT_CHARS or len(text.encode()) < result.bytes_read
    text = mask(text, secrets=secrets, truncated=truncated)
    return text.encode("utf-8")[:EXCERPT_BYTES].decode("utf-8", "ignore")
