"""Celery tasks for outgoing calls: each takes ids and calls one service
(integrations/services/delivery_send.py, delivery_sweep.py). The row decides what is left to do,
so every task is safe to run twice.

Beat runs `delivery_sweep_task` every few seconds and `delivery_prune_task` hourly
(CELERY_BEAT_SCHEDULE in config/settings.py).
"""

from __future__ import annotations

from celery import shared_task

from integrations.services.delivery_send import delivery_execute, delivery_send_next
from integrations.services.delivery_sweep import delivery_prune, delivery_sweep


@shared_task(acks_late=True, ignore_result=True)
def delivery_send_task(delivery_id: int) -> None:
    delivery_execute(delivery_id=delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def delivery_send_next_task(workspace_id: int, host: str) -> None:
    delivery_send_next(workspace_id=workspace_id, host=host)


@shared_task(acks_late=True, ignore_result=True)
def delivery_sweep_task() -> None:
    delivery_sweep()


@shared_task(acks_late=True, ignore_result=True)
def delivery_prune_task() -> None:
    delivery_prune()
