"""Helpers for the health and metrics tests: heartbeats and deliveries at chosen ages."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from integrations.models import Delivery
from operations.models import WorkerHeartbeat
from workspace.models import Workspace

TOKEN = "metrics-token-" + "m" * 32
DEFAULT, IMPORTS = settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_IMPORT_QUEUE


def heartbeat(
    *, seconds_ago: float, hostname: str = "celery@worker-1", queues: tuple[str, ...] = ()
) -> list[WorkerHeartbeat]:
    """A worker's heartbeats on `queues` (by default both: it takes every kind of work)."""
    seen_at = timezone.now() - timedelta(seconds=seconds_ago)
    queues = queues or (DEFAULT, IMPORTS)
    return [
        WorkerHeartbeat.objects.create(hostname=hostname, queue=queue, seen_at=seen_at)
        for queue in queues
    ]


def delivery(
    workspace: Workspace,
    *,
    outcome: str,
    reason: str = "",
    duration_ms: int | None = None,
    minutes_ago: float = 1,
) -> Delivery:
    return Delivery.objects.create(
        workspace=workspace,
        connection_name="Forecast pipeline",
        host="api.example.com",
        idempotency_key=uuid.uuid4(),
        outcome=outcome,
        reason=reason,
        state=Delivery.State.WAITING if outcome == "pending" else Delivery.State.FINAL,
        duration_ms=duration_ms,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def metrics_token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN
