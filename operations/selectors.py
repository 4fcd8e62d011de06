"""Reads for the health endpoints and the metrics: all from the database (and, for readiness, the
broker), so every web process answers the same whichever one a probe or a scrape reaches."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Now

from config.celery import app
from datasets.models import ImportJob
from integrations.models import Delivery
from integrations.selectors.deliveries import delivery_unfinished_for
from operations.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# A probe must answer well inside a load balancer's timeout, even with the broker unreachable.
BROKER_TIMEOUT = 2.0

OK = "ok"
FAILED = "failed"
UNKNOWN = "unknown"


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row: tuple[object, ...] | None = cursor.fetchone()
            return row == (1,)
    except DatabaseError as error:
        # Only the type: a driver's message can name the host and user.
        logger.warning("Readiness: the database is unreachable (%s)", type(error).__name__)
        return False


def broker_reachable(*, url: str | None = None) -> bool:
    """Open (and close) a connection to the broker tasks are sent to: Redis, RabbitMQ or the
    filesystem transport alike."""
    try:
        with app.connection_for_write(url, connect_timeout=BROKER_TIMEOUT) as broker:
            # kombu takes any number of seconds; celery-types annotates `timeout` as an int.
            broker.ensure_connection(
                max_retries=1,
                interval_start=0,
                timeout=BROKER_TIMEOUT,  # type: ignore[arg-type]
            )
        return True
    except Exception as error:
        # Only the type: the error's text can quote the broker URL, password included.
        logger.warning("Readiness: the broker is unreachable (%s)", type(error).__name__)
        return False


def heartbeat_queues() -> dict[str, str]:
    """The readiness check for each queue a worker must be taking work from, and that queue."""
    return {
        "worker": settings.CELERY_TASK_DEFAULT_QUEUE,
        "import_worker": settings.CELERY_IMPORT_QUEUE,
    }


def worker_heartbeat_age(*, queue: str) -> float | None:
    """Seconds since some worker last ran the heartbeat task sent on `queue`, by the database's
    clock (the one that wrote it); None when no worker ever did."""
    newest = (
        WorkerHeartbeat.objects.filter(queue=queue)
        .annotate(now=Now())
        .order_by("-seen_at")
        .values("seen_at", "now")
        .first()
    )
    if newest is None:
        return None
    age: timedelta = newest["now"] - newest["seen_at"]
    return max(0.0, age.total_seconds())


def worker_heartbeat_fresh(*, queue: str) -> bool:
    age = worker_heartbeat_age(queue=queue)
    return age is not None and age <= settings.WORKER_HEARTBEAT_MAX_AGE


def readiness_checks() -> dict[str, str]:
    """Each dependency a working deployment needs, "ok" or "failed": the database, the broker,
    and a worker for each queue (`heartbeat_queues`). Without the database the workers'
    heartbeats cannot be read: "unknown"."""
    database = database_reachable()
    checks = {"database": OK if database else FAILED}
    checks["broker"] = OK if broker_reachable() else FAILED
    for check, queue in heartbeat_queues().items():
        if not database:
            checks[check] = UNKNOWN
            continue
        try:
            checks[check] = OK if worker_heartbeat_fresh(queue=queue) else FAILED
        except DatabaseError as error:
            logger.warning("Readiness: heartbeats unreadable (%s)", type(error).__name__)
            checks[check] = UNKNOWN
    return checks


# Metrics


def delivery_counts(*, since: datetime) -> list[tuple[str, str, int]]:
    """(outcome, reason, count) of the deliveries created since `since`: every outcome listed
    (0 when none), and each reason that occurred."""
    rows = (
        Delivery.objects.filter(created_at__gte=since)
        .order_by()
        .values_list("outcome", "reason")
        .annotate(n=Count("id"))
    )
    counts = {(outcome, reason): n for outcome, reason, n in rows}
    seen = {outcome for outcome, _ in counts}
    for outcome in Delivery.Outcome.values:
        if outcome not in seen:
            counts[(outcome, "")] = 0
    return sorted((outcome, reason, n) for (outcome, reason), n in counts.items())


def delivery_duration_histogram(
    *, since: datetime, bounds_ms: list[int]
) -> tuple[list[int], int, int]:
    """Of the deliveries created since `since` that have a duration: how many took at most each
    of `bounds_ms` (cumulative, like Prometheus buckets), how many in all, and their total ms.
    One query, counted by the database."""
    buckets = {f"le_{bound}": Count("id", filter=Q(duration_ms__lte=bound)) for bound in bounds_ms}
    figures = Delivery.objects.filter(created_at__gte=since, duration_ms__isnull=False).aggregate(
        **buckets, count=Count("id"), total_ms=Sum("duration_ms")
    )
    return (
        [figures[f"le_{bound}"] for bound in bounds_ms],
        figures["count"],
        figures["total_ms"] or 0,
    )


def delivery_queue_depth(*, now: datetime) -> dict[str, int]:
    """Deliveries recorded and not finished yet, waiting for a slot or being sent. One older
    than `delivery_unfinished_for` lost its worker and its sweeps: it is not waiting for
    anything."""
    states = [Delivery.State.WAITING, Delivery.State.SENDING]
    counts = dict(
        Delivery.objects.filter(state__in=states, created_at__gt=now - delivery_unfinished_for())
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    return {state: counts.get(state, 0) for state in states}


def import_queue_depth() -> dict[str, int]:
    """Imports waiting for a worker (queued) and under way (running)."""
    statuses = [ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    counts = dict(
        ImportJob.objects.filter(status__in=statuses)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return {status: counts.get(status, 0) for status in statuses}
