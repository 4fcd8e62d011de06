"""Importing a CSV upload into a dataset: every row, or none, without holding anyone out.

`dataset_rows_import` parses the stored upload row by row (datasets.import_parsing) and writes
the rows where readers do not look yet, in chunks that commit on their own
(datasets.import_writing), so clicks and other writers interleave with a long import. One short
transaction then shows the new rows, their statistics and a new version together, so boards see
the old rows until the new ones are all in. A run that fails deletes what it wrote; a run cut
short (its worker killed) leaves rows nobody sees, which the next import of the dataset deletes
first, so an import whose worker died can simply run again.

Receiving the upload is datasets.import_storage; claiming and running jobs on workers is
datasets.import_runner.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from django.db import DatabaseError

from datasets.errors import ImportFailed
from datasets.import_parsing import CsvRows
from datasets.import_writing import (
    Publication,
    StagedRows,
    leftover_rows_delete,
    rows_publish,
    staged_rows_delete,
    staged_rows_write,
)
from datasets.models import Dataset, DatasetColumn, ImportConfiguration

__all__ = ["ImportFailed", "ImportResult", "dataset_rows_import", "dataset_rows_validate"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportResult:
    rows_received: int
    rows_imported: int
    # Where the dataset's rows ended after the import (None for a dry run, which writes nothing).
    row_generation: int | None = None
    row_end: int | None = None


def dataset_rows_import(
    *,
    configuration: ImportConfiguration,
    csv_file: IO[bytes],
    on_batch: Callable[[], None] | None = None,
    on_success: Callable[[ImportResult], None] | None = None,
    guard: Callable[[], None] | None = None,
) -> ImportResult:
    """Parse `csv_file` into the configuration's dataset: every row, or none (ImportFailed).

    `on_batch` is called after each chunk of rows is committed (a running job's heartbeat).
    `guard` runs inside the transaction of every chunk this import writes or deletes, and raises
    to stop it there (the job is no longer this run's: its rows are then the new run's to clean).
    `on_success` is called inside the transaction that shows the new rows, so what it writes
    appears with them or not at all.
    """
    dataset = Dataset.objects.get(pk=configuration.dataset_id)
    rows = CsvRows(csv_file=csv_file, columns=list(dataset.columns.all()))
    leftover_rows_delete(dataset_id=dataset.pk)
    replaces = configuration.mode == ImportConfiguration.Mode.REPLACE
    staged = (
        StagedRows(dataset.pk, dataset.row_generation + 1, 0)
        if replaces
        else StagedRows(dataset.pk, dataset.row_generation, dataset.row_end)
    )
    try:
        written = staged_rows_write(
            staged=staged, texts=rows.json_texts(), on_chunk=on_batch, guard=guard
        )
        result = ImportResult(
            rows_received=rows.received,
            rows_imported=written,
            row_generation=staged.generation,
            row_end=staged.start + written,
        )
        publication = Publication(
            staged=staged, replaces=replaces, rows=written, stats=rows.stats.result()
        )
        rows_publish(
            publication=publication,
            with_rows=None if on_success is None else lambda: on_success(result),
        )
    except Exception:
        # Anything that stops the worker itself (not an Exception) skips this: the rows stay
        # unseen until the next import of the dataset deletes them. So does a run whose job was
        # taken from it meanwhile (the guard): the same positions may hold the new run's rows.
        staged_rows_delete(staged=staged, guard=guard)
        raise
    if replaces:
        _replaced_rows_delete(StagedRows(dataset.pk, dataset.row_generation, 0))
    return result


def _replaced_rows_delete(replaced: StagedRows) -> None:
    try:
        staged_rows_delete(staged=replaced)
    except DatabaseError:
        # The import itself succeeded; the next one deletes what is left of these.
        logger.warning("Could not delete the replaced rows of dataset %s", replaced.dataset_id)


def dataset_rows_validate(
    *, configuration: ImportConfiguration, csv_file: IO[bytes]
) -> ImportResult:
    """Check `csv_file` as an import into the configuration's dataset would, writing nothing.

    Raises ImportFailed with exactly the errors (and rows_received) the import would report.
    """
    columns = list(DatasetColumn.objects.filter(dataset_id=configuration.dataset_id))
    rows = CsvRows(csv_file=csv_file, columns=columns)
    valid = _count(rows.json_texts())  # reads the whole file, as an import would
    return ImportResult(rows_received=rows.received, rows_imported=valid)


def _count(texts: Iterator[str]) -> int:
    counted = deque(enumerate(texts, start=1), maxlen=1)
    return counted[0][0] if counted else 0
