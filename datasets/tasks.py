"""Celery tasks for imports: each takes an id (or nothing) and calls one service
(datasets.import_runner). The row decides what is left to do, so every task is safe to run twice.

Beat runs `import_jobs_sweep_task` every ~15 s and `import_housekeeping_task` once in a while.
"""

from __future__ import annotations

import random
import uuid

from celery import shared_task

from datasets.import_runner import (
    IMPORT_SOFT_TIME_LIMIT,
    IMPORT_TIME_LIMIT,
    Claim,
    import_housekeeping,
    import_job_run,
    import_jobs_sweep,
)


@shared_task(
    bind=True, acks_late=True, time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_SOFT_TIME_LIMIT
)
def import_job_run_task(self, job_id: str) -> None:
    claim = import_job_run(job_id=uuid.UUID(job_id))
    # The dataset was locked by a claim under way: look again shortly. (Run eagerly, a retry would
    # run again at once, in a loop: the sweep sends the job again instead.)
    if claim is Claim.BUSY and not self.request.is_eager:
        raise self.retry(countdown=random.uniform(0.5, 2.0), max_retries=None)


@shared_task(acks_late=True)
def import_jobs_sweep_task() -> None:
    import_jobs_sweep()


@shared_task(acks_late=True)
def import_housekeeping_task() -> None:
    import_housekeeping()
