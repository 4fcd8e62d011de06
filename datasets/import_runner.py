"""Running import jobs on Celery workers: claim, run, hand over to the next; sweep what was lost.

The database row is the truth; a task only carries a job's id and may arrive twice, late, or
never (datasets/tasks.py). So:

- Imports into one dataset run one at a time, in arrival order (created_at, id).
  `import_job_claim` decides that under the dataset's row lock (SQLite's IMMEDIATE transactions
  already serialise writers) and takes a job (queued → running) with one conditional UPDATE, so
  two workers handed the same id never both run it. A job that must wait is left queued: the
  job ahead of it hands over when it ends (`_enqueue_next`), and the sweep re-sends what waited
  too long.
- A running job touches `heartbeat_at` as it goes. `import_jobs_sweep` (beat, every few seconds)
  puts a job whose heartbeat stopped back in the queue: a run cut short leaves only rows nobody
  sees, which the next run deletes first, so running it again from its stored file is safe. One
  that keeps dying fails after MAX_ATTEMPTS, and the sweep deletes what it left.
- A run whose job was taken from it (re-queued by the sweep, or run again elsewhere) notices
  before its next chunk of rows is written (the job's row is checked, and locked, in each
  chunk's transaction), and stops without touching the job or its rows.
- The stored file is deleted when the import ends, succeeded or failed; `import_housekeeping`
  prunes old jobs and deletes files a crash left behind.
"""

from __future__ import annotations

import enum
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.celery import enqueue_after_commit
from datasets.errors import ImportFailed
from datasets.import_storage import (
    import_upload_delete,
    import_upload_open,
    import_uploads_orphaned_delete,
)
from datasets.import_writing import leftover_rows_delete
from datasets.importer import ImportResult, dataset_rows_import
from datasets.models import Dataset, ImportJob

logger = logging.getLogger(__name__)

# Celery limits of the run task. The benchmark imports several MB of CSV a second, so a
# default-limit (50 MB) file takes well under a minute: an hour is for a slow disk.
IMPORT_SOFT_TIME_LIMIT = 55 * 60
IMPORT_TIME_LIMIT = 60 * 60
# A live import writes its heartbeat at most this often (checked after every batch of rows),
# well inside IMPORT_STALLED_AFTER.
HEARTBEAT_EVERY = timedelta(seconds=10)
# A queued job nobody took for this long may have lost its message: the sweep sends it again.
QUEUED_RESEND_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 3
# Files of no queued or running job, this old, were left by a crash (an upload takes less).
ORPHANED_UPLOAD_AFTER = timedelta(hours=1)

GONE_ERROR = "The uploaded file is no longer available; push the file again."
INTERNAL_ERROR = "Internal error; nothing was imported."
TOO_SLOW_ERROR = (
    f"The import took longer than {IMPORT_SOFT_TIME_LIMIT // 60} minutes and was stopped; "
    "nothing was imported."
)
GAVE_UP_ERROR = (
    "The import was stopped {attempts} times before it could finish (its worker stopped), so it "
    "was given up; nothing was imported. Push the file again."
)

UNFINISHED = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


class Claim(enum.Enum):
    CLAIMED = "claimed"  # it is this caller's to run
    NOT_QUEUED = "not_queued"  # unknown, finished, or running elsewhere: nothing to do
    WAITING = "waiting"  # another job of its dataset runs or is ahead: it is handed over later
    BUSY = "busy"  # the dataset is locked right now: try again shortly


# --- claiming --------------------------------------------------------------------------------


def _turn_taken(job: ImportJob, dataset_id: int) -> bool:
    """Whether another job of the dataset runs, or is queued ahead of `job`."""
    ahead = Q(status=ImportJob.Status.QUEUED) & (
        Q(created_at__lt=job.created_at) | Q(created_at=job.created_at, pk__lt=job.pk)
    )
    return (
        ImportJob.objects.filter(configuration__dataset_id=dataset_id)
        .exclude(pk=job.pk)
        .filter(Q(status=ImportJob.Status.RUNNING) | ahead)
        .exists()
    )


def import_job_claim(*, job_id: uuid.UUID) -> Claim:
    """Take the job (queued → running) if it is its dataset's turn."""
    job = ImportJob.objects.select_related("configuration").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.QUEUED:
        return Claim.NOT_QUEUED
    dataset_id = job.configuration.dataset_id
    # Most claims that must wait can tell without the lock: ask first, then again under it.
    if _turn_taken(job, dataset_id):
        return Claim.WAITING
    try:
        with transaction.atomic():
            # nowait: a lock held means a claim, or an import showing its rows, is under way
            # (both take a moment); no worker blocks on it.
            locked = Dataset.objects.select_for_update(nowait=True).filter(pk=dataset_id)
            if not list(locked.values_list("pk", flat=True)):
                return Claim.NOT_QUEUED  # the dataset, and so the job, was deleted
            if _turn_taken(job, dataset_id):
                return Claim.WAITING
            now = timezone.now()
            claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
                status=ImportJob.Status.RUNNING,
                started_at=now,
                heartbeat_at=now,
                attempts=F("attempts") + 1,
            )
    except OperationalError:
        # PostgreSQL: the row lock is taken. SQLite: another writer held the database too long.
        return Claim.BUSY
    return Claim.CLAIMED if claimed else Claim.NOT_QUEUED


# --- running ---------------------------------------------------------------------------------


class RunTakenOver(BaseException):  # noqa: N818 (not an error: the run just ends)
    """This run's job is no longer its own: the sweep took it for dead and queued it again (or
    gave up on it). The run stops at once and leaves the job, its file and its rows to whoever
    has the job now. Not an Exception, so that nothing on the way treats it as a failure."""


class _Heartbeat:
    """Tells the sweep that this run is alive, and tells this run whether its job is still its
    own (raising RunTakenOver when it is not).

    The import commits its rows chunk by chunk and calls this between chunks, when no
    transaction is open: the beat is written on the import's own connection and is seen at once,
    on SQLite as on PostgreSQL. Only an import that a caller runs inside a transaction of its own
    (a script, a test) gets no beats: they would show only when that transaction ends, and on
    SQLite no other connection could write them while it holds the write lock.
    """

    def __init__(self, job: ImportJob) -> None:
        self._job_id = job.id
        self._attempts = job.attempts
        self._last = time.monotonic()

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last < HEARTBEAT_EVERY.total_seconds() or connection.in_atomic_block:
            return
        self._last = now
        try:
            touched = _own_job(self._job_id, self._attempts).update(heartbeat_at=timezone.now())
        except DatabaseError:
            logger.warning("Could not write the heartbeat of import %s", self._job_id)
            return
        if not touched:
            raise RunTakenOver


def _ownership_guard(job: ImportJob):
    """Raises RunTakenOver unless the job is still this run's. Called inside each chunk's
    transaction, with the job's row locked until that chunk commits: the sweep's hand-over
    waits for the chunk, and once the job is handed over no chunk of this run's is written or
    deleted again. (The heartbeat notices too, but only every HEARTBEAT_EVERY, while a run on a
    slow machine could write many chunks in between, at the new run's positions.)"""
    job_id, attempts = job.id, job.attempts

    def guard() -> None:
        if not _own_job(job_id, attempts).select_for_update().exists():
            raise RunTakenOver

    return guard


def _own_job(job_id: uuid.UUID, attempts: int):
    """The job, if it is still the run's that claimed it as attempt number `attempts`."""
    return ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING, attempts=attempts)


def import_job_run(*, job_id: uuid.UUID) -> Claim:
    """Claim the job and, if it is its turn, run it to its end. What the worker's task calls."""
    claim = import_job_claim(job_id=job_id)
    if claim is Claim.CLAIMED:
        import_job_execute(job_id=job_id)
    return claim


def import_job_execute(*, job_id: uuid.UUID) -> None:
    """Run a claimed (running) job from its stored file, record the outcome, delete the file and
    hand the dataset over to its next queued job.

    Anything that stops the worker itself (a kill, a shutdown that cannot wait) propagates and
    leaves the job running with its file: the sweep runs it again.
    """
    job = ImportJob.objects.select_related("configuration").get(pk=job_id)
    if job.status != ImportJob.Status.RUNNING:
        return  # not claimed, or finished meanwhile
    try:
        with import_upload_open(job.upload_name) as csv_file:
            dataset_rows_import(
                configuration=job.configuration,
                csv_file=csv_file,
                on_batch=_Heartbeat(job),
                guard=_ownership_guard(job),
                # In the transaction that shows the rows: "succeeded" appears with them.
                on_success=lambda result: _succeed(job, result),
            )
    except RunTakenOver:
        logger.warning("Import %s was taken over by another run; this run stops", job.id)
        return
    except ImportFailed as failure:
        _fail(job, failure.rows_received, failure.errors)
    except FileNotFoundError:
        _fail(job, 0, [GONE_ERROR])
    except SoftTimeLimitExceeded:
        _fail(job, 0, [TOO_SLOW_ERROR])
    except Exception:
        logger.exception("Import %s failed unexpectedly", job.id)
        _fail(job, 0, [INTERNAL_ERROR])
    import_upload_delete(job.upload_name)
    _enqueue_next(dataset_id=job.configuration.dataset_id)


def _succeed(job: ImportJob, result: ImportResult) -> None:
    finished = _own_job(job.id, job.attempts).update(
        status=ImportJob.Status.SUCCEEDED,
        rows_received=result.rows_received,
        rows_imported=result.rows_imported,
        row_generation=result.row_generation,
        row_end=result.row_end,
        errors=[],
        finished_at=timezone.now(),
    )
    if not finished:
        raise RunTakenOver  # rolls the rows' transaction back: the job's new run shows its own


def _fail(job: ImportJob, received: int, errors: list[str]) -> None:
    # The job may be gone with its dataset, or no longer this run's: then there is nothing to say.
    _own_job(job.id, job.attempts).update(
        status=ImportJob.Status.FAILED,
        rows_received=received,
        rows_imported=0,
        errors=list(errors),
        finished_at=timezone.now(),
    )


def _enqueue(job_id: uuid.UUID) -> None:
    from datasets.tasks import import_job_run_task  # the tasks module imports this one

    enqueue_after_commit(import_job_run_task, str(job_id))


def _enqueue_next(*, dataset_id: int) -> None:
    """The dataset is free again: send its oldest queued job, which waited for this one."""
    next_id = (
        ImportJob.objects.filter(
            configuration__dataset_id=dataset_id, status=ImportJob.Status.QUEUED
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if next_id is not None:
        _enqueue(next_id)


# --- sweeping and housekeeping ---------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    given_up: int
    resent: int


def import_jobs_sweep(*, now: datetime | None = None) -> SweepResult:
    """Put imports whose worker died back in the queue (or fail those that keep dying), and send
    again the queued jobs whose message may have been lost. Safe to run anywhere, any time:
    every change repeats its conditions, and claiming is conditional."""
    now = now or timezone.now()
    stalled_cutoff = now - timedelta(seconds=settings.IMPORT_STALLED_AFTER)
    # Jobs from before heartbeats were recorded count from when they started or arrived.
    stalled = ImportJob.objects.alias(
        last_sign=Coalesce("heartbeat_at", "started_at", "created_at")
    ).filter(status=ImportJob.Status.RUNNING, last_sign__lt=stalled_cutoff)
    requeued: list[uuid.UUID] = []
    given_up = 0
    candidates = stalled.values_list("pk", "attempts", "upload_name", "configuration__dataset_id")
    for job_id, attempts, upload_name, dataset_id in candidates[:100]:
        if attempts >= MAX_ATTEMPTS:
            # While the job still holds its dataset's turn, so no other import writes there now.
            leftover_rows_delete(dataset_id=dataset_id)
            message = GAVE_UP_ERROR.format(attempts=attempts)
            if stalled.filter(pk=job_id).update(
                status=ImportJob.Status.FAILED, errors=[message], finished_at=now
            ):
                import_upload_delete(upload_name)
                given_up += 1
        elif stalled.filter(pk=job_id).update(status=ImportJob.Status.QUEUED, heartbeat_at=None):
            requeued.append(job_id)
    if requeued or given_up:
        logger.warning(
            "Imports whose worker stopped: %d re-queued, %d given up", len(requeued), given_up
        )
    for job_id in requeued:
        _enqueue(job_id)
    resent = 0
    for job_id in _queued_heads(older_than=now - QUEUED_RESEND_AFTER):
        if job_id not in requeued:
            _enqueue(job_id)
            resent += 1
    return SweepResult(requeued=len(requeued), given_up=given_up, resent=resent)


def _queued_heads(*, older_than: datetime) -> list[uuid.UUID]:
    """The first queued job of each dataset where nothing runs, if it waited since `older_than`
    (the jobs behind it are handed over in turn)."""
    busy = set(
        ImportJob.objects.filter(status=ImportJob.Status.RUNNING).values_list(
            "configuration__dataset_id", flat=True
        )
    )
    heads: dict[int, uuid.UUID | None] = {}
    queued = (
        ImportJob.objects.filter(status=ImportJob.Status.QUEUED)
        .order_by("created_at", "pk")
        .values_list("pk", "configuration__dataset_id", "created_at")
    )
    for job_id, dataset_id, created_at in queued[:1000]:
        if dataset_id not in busy and dataset_id not in heads:
            heads[dataset_id] = job_id if created_at < older_than else None
    return [job_id for job_id in heads.values() if job_id is not None]


@dataclass(frozen=True)
class HousekeepingResult:
    jobs_deleted: int
    files_deleted: int


def import_housekeeping(*, now: datetime | None = None) -> HousekeepingResult:
    """Delete finished imports older than RETENTION_DAYS, and stored uploads no unfinished job
    needs that are older than an hour (what a crash left behind)."""
    now = now or timezone.now()
    old = ImportJob.objects.filter(
        created_at__lt=now - timedelta(days=settings.RETENTION_DAYS)
    ).exclude(status__in=UNFINISHED)
    jobs_deleted, _ = old.delete()
    needed = set(
        ImportJob.objects.filter(status__in=UNFINISHED)
        .exclude(upload_name="")
        .values_list("upload_name", flat=True)
    )
    files_deleted = import_uploads_orphaned_delete(
        keep=needed, older_than=now - ORPHANED_UPLOAD_AFTER
    )
    return HousekeepingResult(jobs_deleted=jobs_deleted, files_deleted=files_deleted)
