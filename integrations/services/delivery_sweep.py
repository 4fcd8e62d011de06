"""The periodic sweep beat runs every few seconds: nothing lost, nothing sent twice.

- A click whose message never reached a worker (broker restart, worker killed before it claimed
  the row) is handed on again while it may still be sent. Past `DELIVERY_MAX_WAIT` it ends
  `lost`: never sent, its quota slot given back.
- A send whose worker died mid-way ends `unknown`: the service may have received it, so it keeps
  counting and is never sent again. Its idempotency key lets the service tell a repeat anyway.
- Records older than RETENTION_DAYS are deleted (`delivery_prune`, run hourly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from integrations.models import Delivery
from integrations.selectors.deliveries import (
    CALLS_PER_HOST,
    delivery_in_flight,
    delivery_max_wait,
    delivery_sending_dead_after,
)
from integrations.services import delivery_words as words

Outcome = Delivery.Outcome
Reason = Delivery.Reason
State = Delivery.State

# A click younger than this still has its own message on the way: handing it on too would only
# add a task that finds nothing to do.
HAND_ON_AFTER = timedelta(seconds=10)
PRUNE_BATCH = 1000


@dataclass(frozen=True)
class SweepReport:
    lost: int
    unknown: int
    handed_on: int


def delivery_give_up_overdue(waiting: QuerySet[Delivery], *, now: datetime) -> int:
    """End the clicks of `waiting` that waited past DELIVERY_MAX_WAIT as lost: never sent, their
    quota slot given back. One conditional UPDATE, safe beside a claim."""
    return waiting.filter(state=State.WAITING, created_at__lte=now - delivery_max_wait()).update(
        state=State.FINAL,
        outcome=Outcome.LOST,
        reason=Reason.STALE,
        detail=words.STALE,
        counts_toward_quota=False,
        finished_at=now,
    )


def delivery_sweep() -> SweepReport:
    now = timezone.now()
    lost = delivery_give_up_overdue(Delivery.objects.all(), now=now)
    unknown = Delivery.objects.filter(
        state=State.SENDING, sending_started_at__lte=now - delivery_sending_dead_after()
    ).update(
        state=State.FINAL,
        outcome=Outcome.UNKNOWN,
        reason=Reason.WORKER_DIED,
        detail=words.WORKER_DIED,
        finished_at=now,
    )
    return SweepReport(lost=lost, unknown=unknown, handed_on=_hand_on_forgotten(now=now))


def _hand_on_forgotten(*, now: datetime) -> int:
    """For each host with clicks waiting a while, one task per free slot."""
    # Imported here: the task module imports the services.
    from config.celery import enqueue_after_commit
    from integrations.tasks import delivery_send_next_task

    lines = (
        Delivery.objects.filter(state=State.WAITING, created_at__lte=now - HAND_ON_AFTER)
        .values("workspace_id", "host")
        .annotate(waiting=Count("id"))
        .order_by()
    )
    handed_on = 0
    for line in lines:
        busy = delivery_in_flight(
            workspace_id=line["workspace_id"], host=line["host"], now=now
        ).count()
        for _ in range(min(CALLS_PER_HOST - busy, line["waiting"])):
            enqueue_after_commit(delivery_send_next_task, line["workspace_id"], line["host"])
            handed_on += 1
    return handed_on


def delivery_prune() -> int:
    """Delete final deliveries older than RETENTION_DAYS, in batches. Returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.RETENTION_DAYS)
    old = Delivery.objects.filter(state=State.FINAL, created_at__lt=cutoff)
    deleted = 0
    while True:
        batch = list(old.values_list("pk", flat=True)[:PRUNE_BATCH])
        if not batch:
            return deleted
        deleted += Delivery.objects.filter(pk__in=batch).delete()[0]
