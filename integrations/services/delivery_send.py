"""Sending waiting deliveries, on a worker: claim, send through egress, record, hand on.

Fairness across the fleet: at most `CALLS_PER_HOST` sends are in flight per (workspace, host),
counted over every worker on every machine. A claim counts the host's `sending` rows and flips
one `waiting` row to `sending`, both under the (workspace, host) lock, so two workers handed the
same id (task queues deliver at least once) never both send, and a third send never starts.

A task that finds its host busy steps aside and leaves its delivery waiting: it holds no worker
thread while another host's buttons wait. A task whose send finished keeps its slot busy: it
claims and sends the host's oldest waiting click itself, for up to `CARRY_ON_FOR`, then hands
the slot on by enqueueing `delivery_send_next` for its host (a task must end inside its time
limit). The sweep (delivery_sweep.py) hands on for hosts whose message went missing.

A delivery is only ever sent by the task that claimed it. If its worker dies during the send,
nobody can know whether the service received it: the sweep records that, and it is never sent
again.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations import egress
from integrations.address_policy import canonical_host, parse_endpoint_url
from integrations.encrypted_fields import DecryptionError
from integrations.models import Connection, Delivery
from integrations.selectors.deliveries import (
    CALLS_PER_HOST,
    delivery_in_flight,
    delivery_waiting,
)
from integrations.services import delivery_words as words
from integrations.services.delivery_sweep import delivery_give_up_overdue
from integrations.services.masking import connection_secrets, mask
from integrations.services.quota import host_lock_hold
from integrations.validators import validate_headers_text

logger = logging.getLogger(__name__)

Outcome = Delivery.Outcome
Reason = Delivery.Reason
State = Delivery.State

EXCERPT_BYTES = 2048
# How long one task keeps sending its host's waiting clicks before handing the slot on: with a
# send lasting at most connect timeout + deadline (20 s by default), inside the 60 s soft limit.
CARRY_ON_FOR = 30.0
_RELATED = ["workspace", "connection", "user"]


def delivery_execute(*, delivery_id: int) -> Delivery | None:
    """Send this waiting delivery if its host has a free slot, and record the result.

    Anything else is returned untouched: a delivery already claimed or final (so running this
    twice sends once), or one whose host is busy (it stays waiting; a finishing send hands it
    on). None when there is no such delivery.
    """
    where = Delivery.objects.filter(pk=delivery_id).values("workspace_id", "host", "state").first()
    if where is None:
        return None
    if where["state"] == State.WAITING:
        started = time.monotonic()
        claimed = _claim(workspace_id=where["workspace_id"], host=where["host"], pk=delivery_id)
        if claimed is not None:
            sent = _send(claimed)
            _carry_on(workspace_id=claimed.workspace_id, host=claimed.host, started=started)
            return sent
    return Delivery.objects.get(pk=delivery_id)


def delivery_send_next(*, workspace_id: int, host: str) -> Delivery | None:
    """Send the host's oldest waiting delivery if the host has a free slot."""
    started = time.monotonic()
    claimed = _claim(workspace_id=workspace_id, host=host)
    if claimed is None:
        return None
    sent = _send(claimed)
    _carry_on(workspace_id=workspace_id, host=host, started=started)
    return sent


def _carry_on(*, workspace_id: int, host: str, started: float) -> None:
    """The slot this task held is free again: give it to the host's oldest waiting click here
    while the task is young (no trip through the broker), then hand it on to another task."""
    while time.monotonic() - started < CARRY_ON_FOR:
        claimed = _claim(workspace_id=workspace_id, host=host)
        if claimed is None:
            return  # nothing waits, or the host's slots are taken (their tasks carry on)
        _send(claimed)
    delivery_hand_on(workspace_id=workspace_id, host=host)


def delivery_hand_on(*, workspace_id: int, host: str) -> None:
    """A slot of this host is free (or may be): let a worker give it to the oldest waiting click.

    Imported here, not at the top: the task module imports the services.
    """
    if not delivery_waiting(workspace_id=workspace_id, host=host).exists():
        return
    from config.celery import enqueue_after_commit
    from integrations.tasks import delivery_send_next_task

    enqueue_after_commit(delivery_send_next_task, workspace_id, host)


def _claim(*, workspace_id: int, host: str, pk: int | None = None) -> Delivery | None:
    """Flip one waiting delivery to sending, if the host has a free slot. Clicks that waited too
    long are given up on the way (outcome lost, slot given back): by now the person has been told
    it was not sent, and sending it late could deliver the press after they pressed again."""
    with transaction.atomic():
        host_lock_hold(workspace_id=workspace_id, host=host)
        now = timezone.now()
        waiting = delivery_waiting(workspace_id=workspace_id, host=host)
        delivery_give_up_overdue(waiting, now=now)
        if delivery_in_flight(workspace_id=workspace_id, host=host, now=now).count() >= (
            CALLS_PER_HOST
        ):
            return None
        candidates = waiting.filter(pk=pk) if pk is not None else waiting
        chosen = candidates.values_list("pk", flat=True).first()
        if chosen is None:
            return None
        # Conditional, though the lock already excludes other claims: the sweep gives up old
        # waiting rows without taking it.
        if not Delivery.objects.filter(pk=chosen, state=State.WAITING).update(
            state=State.SENDING, sending_started_at=now
        ):
            return None
    return Delivery.objects.get(pk=chosen)


def _send(delivery: Delivery) -> Delivery:
    try:
        return _send_claimed(delivery)
    except BaseException:
        # This task will not carry on: another must take the freed slot.
        delivery_hand_on(workspace_id=delivery.workspace_id, host=delivery.host)
        raise


def _send_claimed(delivery: Delivery) -> Delivery:
    try:
        # A deleted connection (connection_id None) matches no row, like any id no longer there.
        connection = Connection.objects.filter(pk=delivery.connection_id).first()  # type: ignore[misc]
    except DecryptionError:
        return _finish(delivery, Outcome.FAILED, Reason.UNREADABLE, words.UNREADABLE)
    if connection is None:
        return _finish(delivery, Outcome.BLOCKED, Reason.DELETED, words.DELETED)
    if not connection.enabled:
        return _finish(delivery, Outcome.BLOCKED, Reason.DISABLED, words.DISABLED)
    if _sends_to(connection) != delivery.host:
        # The quota counted the click against delivery.host; sending elsewhere would spend a
        # call on a host that never paid for it, and not what the person pressed for.
        return _finish(delivery, Outcome.BLOCKED, Reason.ADDRESS_CHANGED, words.ADDRESS_CHANGED)
    try:
        headers = json.loads(connection.headers) if connection.headers else {}
    except ValueError:
        return _finish(delivery, Outcome.FAILED, Reason.UNREADABLE, words.UNREADABLE)
    try:
        # Headers saved before a rule was added (a newly forbidden header, two spellings of
        # one) must not keep going out because nobody edited the connection since.
        validate_headers_text(connection.headers)
    except ValidationError:
        return _finish(delivery, Outcome.BLOCKED, Reason.HEADERS_RULES, words.HEADERS_BREAK_RULES)
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
        return _finish(delivery, Outcome.FAILED, Reason.INTERNAL_ERROR, words.INTERNAL_ERROR)
    excerpt = ""
    if connection.keep_response_bodies:
        secrets = connection_secrets(url=connection.url, headers=headers, body=connection.body)
        excerpt = _excerpt(result, secrets=secrets)
    return _finish(
        delivery,
        str(result.outcome),
        _reason(result),
        result.detail,
        http_status=result.status_code,
        duration_ms=result.duration_ms,
        response_excerpt=excerpt,
    )


def _reason(result: egress.EgressResult) -> str:
    if result.outcome == egress.Outcome.SUCCEEDED:
        return Reason.NONE
    if result.outcome == egress.Outcome.TIMED_OUT:
        return Reason.TIMEOUT
    if result.outcome == egress.Outcome.BLOCKED:
        return Reason.NOT_PUBLIC
    status = result.status_code
    if status is None:
        return Reason.CONNECTION_FAILED
    # Egress never follows a 3xx; any final 3xx is a redirect it refused.
    return Reason.REDIRECT if 300 <= status < 400 else Reason.SERVICE_ERROR


def _sends_to(connection: Connection) -> str:
    """The host the connection's current URL would be sent to, spelled as the quota counts it."""
    try:
        return parse_endpoint_url(connection.url).host
    except ValidationError:
        # A URL today's rules refuse (plain http switched off, say): egress reports why.
        return canonical_host(connection.host)


def _finish(delivery: Delivery, outcome: str, reason: str, detail: str, **result: Any) -> Delivery:
    delivery.state = State.FINAL
    delivery.outcome = outcome
    delivery.reason = reason
    delivery.detail = detail[:300]
    delivery.finished_at = timezone.now()
    for name, value in result.items():
        setattr(delivery, name, value)
    if outcome == Outcome.BLOCKED:
        delivery.counts_toward_quota = False  # nothing reached the host: give the slot back
    delivery.full_clean(exclude=_RELATED, validate_unique=False)
    delivery.save(
        update_fields=[
            "state",
            "outcome",
            "reason",
            "detail",
            "finished_at",
            "counts_toward_quota",
            *result,
        ]
    )
    return delivery


def _excerpt(result: egress.EgressResult, *, secrets: list[str]) -> str:
    """The first 2 KiB of the response, with any configured secret the service echoed masked.

    Masked before cutting, so a secret that straddles the cut cannot leave a readable half; for
    the same reason the start of a secret at the end of what egress kept is masked too.
    """
    text = result.response_excerpt
    truncated = len(text) >= egress.EXCERPT_CHARS or len(text.encode()) < result.bytes_read
    text = mask(text, secrets=secrets, truncated=truncated)
    return text.encode("utf-8")[:EXCERPT_BYTES].decode("utf-8", "ignore")
