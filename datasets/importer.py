"""Running CSV imports: spool the upload, then parse and write it all or nothing.

The request handler copies the body to a spool file named after the job (`spool_request_body`),
so memory stays flat however large the upload is and a worker that only knows the job id can find
it. `import_job_run` then parses that file row by row, writes rows in batches inside one
transaction, and bumps the dataset's version in the same transaction, so boards see either the
old rows or the new ones, never a mix. The same loop collects the column statistics KPI widgets
show (datasets.stats), stored in that transaction too.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from datasets.csv_reading import (
    CONVERTERS,
    MAX_ROW_BYTES,
    BoundedLines,
    NotUtf8,
    RecordTooLong,
    quoted,
)
from datasets.errors import MAX_ERROR_CHARS, MAX_REPORTED_ERRORS, ImportFailed, joined_within
from datasets.models import Dataset, DatasetColumn, DatasetRow, ImportConfiguration, ImportJob
from datasets.stats import StatsCollector, stats_merge

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
BATCH_SIZE = 2000


class BodyTooLarge(Exception):
    pass


@dataclass(frozen=True)
class ImportResult:
    rows_received: int
    rows_imported: int


# --- receiving -------------------------------------------------------------------------------


def spool_path(job_id: uuid.UUID) -> Path:
    spool_dir = getattr(settings, "IMPORT_SPOOL_DIR", "") or Path(tempfile.gettempdir())
    return Path(spool_dir) / f"switchboard-import-{job_id}.csv"


def spool_request_body(*, stream: BinaryIO, job_id: uuid.UUID, max_bytes: int) -> int:
    """Copy the body to the job's spool file in chunks; BodyTooLarge as soon as it passes the limit.

    Returns the number of bytes written. The file is removed again if anything goes wrong.
    """
    path = spool_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    # 0o600: the upload is customer data and the spool directory may be shared.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as spool:
            while chunk := stream.read(CHUNK_SIZE):
                written += len(chunk)
                if written > max_bytes:
                    raise BodyTooLarge
                spool.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return written


# --- parsing ---------------------------------------------------------------------------------


def _match_header(
    header: list[str], columns: list[DatasetColumn]
) -> list[tuple[str, Callable[[str], object]]]:
    """Map each CSV position to a dataset column. Names match ignoring case and outer spaces."""
    by_name = {column.name.casefold(): column for column in columns}
    problems: list[str] = []
    problem_count = 0
    matched: list[tuple[str, Callable[[str], object]]] = []
    seen: set[str] = set()
    for raw_name in header:
        column = by_name.get(raw_name.strip().casefold())
        if column is not None and column.name not in seen:
            seen.add(column.name)
            matched.append((column.name, CONVERTERS[column.kind]))
            continue
        problem_count += 1
        if len(problems) < MAX_REPORTED_ERRORS:  # the rest are only counted
            problems.append(
                f"unknown column {quoted(raw_name.strip())}"
                if column is None
                else f"column {column.name} appears twice"
            )
    missing = [column.name for column in columns if column.name not in seen]
    if missing:
        problem_count += 1
        label = "missing columns " if len(missing) > 1 else "missing column "
        problems.append(label + joined_within(missing, budget=80, separator=", "))
    if problem_count:
        raise ImportFailed([_header_message(problems, problem_count, columns)])
    return matched


def _header_message(problems: list[str], problem_count: int, columns: list[DatasetColumn]) -> str:
    expected = joined_within([column.name for column in columns], budget=100, separator=", ")
    frame = "Line 1: . The dataset's columns are: ."
    listed = joined_within(
        problems,
        budget=MAX_ERROR_CHARS - len(frame) - len(expected),
        separator="; ",
        total=problem_count,
        noun="problem",
    )
    return f"Line 1: {listed}. The dataset's columns are: {expected}."


def _too_long_message(error: RecordTooLong) -> str:
    if error.line == 1:
        return (
            f"Line 1: the header line is longer than {error.limit:,} bytes; "
            "it should hold only the dataset's column names."
        )
    return (
        f"Line {error.line}: the row starting here is longer than {error.limit:,} bytes, "
        "the most one row may have."
    )


def _refuse_nul(record: list[str], line: int) -> None:
    # PostgreSQL's jsonb cannot hold U+0000, and no real value needs it: refuse it everywhere.
    if any("\x00" in raw for raw in record):
        raise ImportFailed([f"Line {line}: contains a NUL character."])


def _convert_row(
    record: list[str], mapping: list[tuple[str, Callable[[str], object]]], line: int
) -> dict[str, object]:
    _refuse_nul(record, line)
    if len(record) != len(mapping):
        raise ImportFailed([f"Line {line}: expected {len(mapping)} values, found {len(record)}."])
    values: dict[str, object] = {}
    for (name, convert), raw in zip(mapping, record, strict=True):
        try:
            values[name] = convert(raw)
        except ValueError as error:
            raise ImportFailed([f"Line {line}: {error} in column {name}."]) from None
    return values


@transaction.atomic
def dataset_rows_import(*, configuration: ImportConfiguration, csv_file: BinaryIO) -> ImportResult:
    """Parse `csv_file` into the configuration's dataset: every row, or none (ImportFailed)."""
    # Locking the dataset serialises imports into it (on SQLite the transaction already does).
    dataset = Dataset.objects.select_for_update().get(pk=configuration.dataset_id)
    lines = BoundedLines(
        csv_file, first_record_bytes=settings.IMPORT_MAX_HEADER_BYTES, record_bytes=MAX_ROW_BYTES
    )
    reader = csv.reader(lines)
    errors: list[str] = []
    received = 0
    rest_unchecked = False
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFailed(["Line 1: the file is empty; the first line must name the columns."])
        lines.record_done()
        _refuse_nul(header, reader.line_num)
        columns = list(dataset.columns.all())
        mapping = _match_header(header, columns)
        stats = StatsCollector([(column.name, column.kind) for column in columns])
        if configuration.mode == ImportConfiguration.Mode.REPLACE:
            DatasetRow.objects.filter(dataset=dataset).delete()
            position = 0
        else:
            last = DatasetRow.objects.filter(dataset=dataset).aggregate(last=Max("position"))
            position = 0 if last["last"] is None else last["last"] + 1
        batch: list[DatasetRow] = []
        for record in reader:
            lines.record_done()
            if not record:
                continue  # a blank line
            received += 1
            try:
                values = _convert_row(record, mapping, reader.line_num)
            except ImportFailed as failure:
                # Keep reading to report a few more problems at once; nothing more is written.
                errors.extend(failure.errors)
                if len(errors) >= MAX_REPORTED_ERRORS:
                    rest_unchecked = lines.more_follows()
                    break
                continue
            if errors:
                continue
            stats.add(values)
            batch.append(DatasetRow(dataset_id=dataset.pk, position=position, values=values))
            position += 1
            if len(batch) >= BATCH_SIZE:
                DatasetRow.objects.bulk_create(batch)
                batch.clear()
    except NotUtf8 as error:
        errors.append(f"Line {error.line}: the file is not UTF-8 text.")
    except RecordTooLong as error:
        errors.append(_too_long_message(error))
    except csv.Error as error:
        errors.append(f"Line {reader.line_num}: {error}.")
    if errors:
        raise ImportFailed(errors, rows_received=received, rest_unchecked=rest_unchecked)
    DatasetRow.objects.bulk_create(batch)
    column_stats = stats.result()
    if configuration.mode != ImportConfiguration.Mode.REPLACE:
        column_stats = stats_merge(dataset.column_stats, column_stats)
    Dataset.objects.filter(pk=dataset.pk).update(
        version=F("version") + 1, updated_at=timezone.now(), column_stats=column_stats
    )
    return ImportResult(rows_received=received, rows_imported=received)


# --- running jobs ----------------------------------------------------------------------------


def import_job_run(*, job_id: uuid.UUID) -> None:
    """Run one queued import job to its end. Safe to call from a worker that knows only the id."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return  # unknown, or already taken by another runner
    job = ImportJob.objects.select_related("configuration").get(pk=job_id)
    path = spool_path(job.id)
    try:
        with open(path, "rb") as csv_file, transaction.atomic():
            result = dataset_rows_import(configuration=job.configuration, csv_file=csv_file)
            # Same transaction as the rows: "succeeded" and the new rows appear together.
            _finish(job, ImportJob.Status.SUCCEEDED, result.rows_received, result.rows_imported)
    except ImportFailed as failure:
        _finish(job, ImportJob.Status.FAILED, failure.rows_received, 0, failure.errors)
    except FileNotFoundError:
        _finish(job, ImportJob.Status.FAILED, 0, 0, ["The uploaded file is no longer available."])
    except Exception:
        logger.exception("Import %s failed unexpectedly", job.id)
        _finish(job, ImportJob.Status.FAILED, 0, 0, ["Internal error; nothing was imported."])
    finally:
        path.unlink(missing_ok=True)


def _finish(job: ImportJob, status: str, received: int, imported: int, errors=()) -> None:
    job.status = status
    job.rows_received = received
    job.rows_imported = imported
    job.errors = list(errors)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "rows_received", "rows_imported", "errors", "finished_at"])


# One worker thread per process: imports into SQLite serialise on the write lock anyway, and one
# at a time keeps memory use predictable. A separate worker process could call import_job_run.
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_pending: set[Future] = set()


def _run_in_thread(job_id: uuid.UUID) -> None:
    try:
        import_job_run(job_id=job_id)
    except Exception:
        logger.exception("Import %s could not be run", job_id)
    finally:
        connections.close_all()


def _submit(job_id: uuid.UUID) -> None:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")
        future = _executor.submit(_run_in_thread, job_id)
        _pending.add(future)
    future.add_done_callback(_pending.discard)


def import_job_enqueue(*, job_id: uuid.UUID) -> None:
    """Run the job right away in this request (IMPORT_RUN_INLINE) or on the import thread."""
    if getattr(settings, "IMPORT_RUN_INLINE", False):
        import_job_run(job_id=job_id)
        return
    transaction.on_commit(lambda: _submit(job_id))


def import_jobs_wait(*, timeout: float) -> bool:
    """Wait for this process's queued imports to finish (shutdown, benchmarks). True if all did."""
    with _executor_lock:
        pending = set(_pending)
    _, not_done = wait(pending, timeout=timeout)
    return not not_done


# --- abandoned jobs --------------------------------------------------------------------------

ABANDONED_ERROR = (
    "No result was recorded for this import (the server restarted while it ran). "
    "Push the file again."
)
# The runner is a thread of the web process: a restart loses its queue and the job it was running.
# The benchmark imports about 1.8 MB of CSV a second, so a default-limit (50 MB) file takes under
# a minute; thirty minutes leaves room for a slow disk and a few imports queued ahead. A larger
# IMPORT_MAX_BYTES stretches the limit, at a rate far below the measured one, so a live job is
# never declared abandoned.
ABANDONED_AFTER_AT_LEAST = timedelta(minutes=30)
SLOWEST_IMPORT_BYTES_PER_SECOND = 50_000


def import_abandoned_after() -> timedelta:
    slowest = timedelta(seconds=settings.IMPORT_MAX_BYTES / SLOWEST_IMPORT_BYTES_PER_SECOND)
    return max(ABANDONED_AFTER_AT_LEAST, slowest)


def import_jobs_fail_abandoned(
    *, job_id: uuid.UUID | None = None, configuration_id: int | None = None
) -> int:
    """Fail the jobs (one, or one configuration's) queued or running for longer than any live
    import takes, and delete their spool files. Returns how many were failed."""
    cutoff = timezone.now() - import_abandoned_after()
    abandoned = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, created_at__lt=cutoff)
        | Q(status=ImportJob.Status.RUNNING, started_at__lt=cutoff)
        | Q(status=ImportJob.Status.RUNNING, started_at__isnull=True, created_at__lt=cutoff)
    )
    if job_id is not None:
        abandoned = abandoned.filter(pk=job_id)
    if configuration_id is not None:
        abandoned = abandoned.filter(configuration_id=configuration_id)
    job_ids = list(abandoned.values_list("pk", flat=True))
    if not job_ids:
        return 0
    # The same conditions again in the update: a job that finished meanwhile keeps its result.
    failed = abandoned.filter(pk__in=job_ids).update(
        status=ImportJob.Status.FAILED, errors=[ABANDONED_ERROR], finished_at=timezone.now()
    )
    for abandoned_id in job_ids:
        spool_path(abandoned_id).unlink(missing_ok=True)
    logger.warning("Failed %d abandoned import(s)", failed)
    return failed
