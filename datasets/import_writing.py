"""Writing an import's rows where readers do not look yet, and then the one step that shows them.

Readers see a dataset's rows of generation `row_generation` at positions below `row_end`
(datasets.selectors.dataset_rows_visible). An import writes its rows outside that window, in
chunks that each commit on their own, so other writers (clicks, other imports) get their turn
between chunks and no transaction stays open for the length of a file:

- a replace writes a new generation (row_generation + 1) from position 0;
- an append writes the current generation from `row_end` on.

`rows_publish` then moves the window in one short transaction, and whatever else must appear with
the rows (the job's "succeeded") is written in that transaction too. Rows outside the window are
an unfinished or failed import's, and are deleted in chunks of short transactions as well.

PostgreSQL takes the rows through COPY; elsewhere a plain executemany INSERT of the same JSON
text, so both store the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from datasets.errors import ImportFailed
from datasets.models import Dataset, DatasetRow
from datasets.stats import stats_merge

# Rows per commit, written or deleted. On SQLite a chunk holds the database's only write lock
# while it is written (about 10 ms per thousand rows; deleting is faster), so chunks stay small
# enough for a click to wait unnoticed. A click's p95 during a 300,000-row import (idle: 17 ms):
# 5,000-row chunks 5×, 1,000 rows 2.9×, 250 rows 1.8–2.2× at a tenth less import speed. A
# worker run at lower CPU priority changed nothing: the clicks wait on the lock, not the CPU.
# PostgreSQL's writers do not wait on each other here, and COPY gains from long runs.
CHUNK_ROWS = {"postgresql": 50_000}
DEFAULT_CHUNK_ROWS = 250
DELETE_CHUNK_ROWS = {"postgresql": 50_000}
DEFAULT_DELETE_CHUNK_ROWS = 1_000

DATASET_GONE_ERROR = "The dataset was deleted while the import ran; nothing was imported."
DATASET_CHANGED_ERROR = (
    "The dataset's rows were changed some other way while the import ran; nothing was "
    "imported. Push the file again."
)

_TABLE = DatasetRow._meta.db_table
_COPY_SQL = f'COPY {_TABLE} (dataset_id, generation, position, "values") FROM STDIN'
_BACKSLASH, _TWO_BACKSLASHES = "\\", "\\\\"
_INSERT_SQL = f'INSERT INTO {_TABLE} (dataset_id, generation, position, "values") VALUES '  # noqa: S608 (our table name)


@dataclass(frozen=True)
class StagedRows:
    """Where an import writes: `generation` from position `start` on, in dataset `dataset_id`."""

    dataset_id: int
    generation: int
    start: int


# Writes one chunk's JSON texts from a position, returns how many it wrote.
ChunkWriter = Callable[[StagedRows, int, Iterable[str]], int]


def staged_rows_write(
    *,
    staged: StagedRows,
    texts: Iterable[str],
    on_chunk: Callable[[], None] | None = None,
    guard: Callable[[], None] | None = None,
) -> int:
    """Write the rows' JSON `texts` (as Django's JSONField stores them: json.dumps with its
    defaults) in order from `staged.start`, one transaction per chunk; return how many.

    `on_chunk` runs after each commit, when no transaction is open. `guard` runs inside each
    chunk's transaction before it writes, and raises to stop the writing there (that chunk is not
    written): a run whose job was taken from it writes not one chunk more.

    On PostgreSQL a chunk's rows stream into its COPY as they are parsed, so the server stores
    rows while the next ones are read; its transaction stays open for that long, which holds
    nobody up there. On SQLite a transaction holds the only write lock, so each chunk is parsed
    first and then written.
    """
    write = chunk_writer()
    size = CHUNK_ROWS.get(connection.vendor, DEFAULT_CHUNK_ROWS)
    streams = connection.vendor == "postgresql"
    texts = iter(texts)
    position = staged.start
    while True:
        chunk: Iterable[str] = islice(texts, size)
        if not streams:
            chunk = list(chunk)
            if not chunk:
                break
        with transaction.atomic():
            if guard is not None:
                guard()
            written = write(staged, position, chunk)
        position += written
        if written and on_chunk is not None:
            on_chunk()
        if written < size:
            break
    return position - staged.start


def chunk_writer() -> ChunkWriter:
    return copy_chunk_write if connection.vendor == "postgresql" else executemany_chunk_write


def copy_chunk_write(staged: StagedRows, first_position: int, texts: Iterable[str]) -> int:
    """COPY in text format, the lines built here and sent a thousand at a time: faster than one
    write_row call per row.

    json.dumps escapes every control character (tab, newline, carriage return included) as
    `\\t`, `\\n`, `\\u0001`…, so a backslash is the only character COPY's text format would read
    specially: it is doubled.
    """
    prefix = f"{staged.dataset_id}\t{staged.generation}\t"
    written = 0
    lines: list[str] = []
    with connection.cursor() as cursor, cursor.cursor.copy(_COPY_SQL) as copy:
        for position, text in enumerate(texts, start=first_position):
            lines.append(f"{prefix}{position}\t{text.replace(_BACKSLASH, _TWO_BACKSLASHES)}\n")
            if len(lines) == 1000:
                copy.write("".join(lines))
                written += len(lines)
                lines.clear()
        copy.write("".join(lines))
    return written + len(lines)


def executemany_chunk_write(staged: StagedRows, first_position: int, texts: Iterable[str]) -> int:
    """One prepared INSERT run for every row, on the driver's own cursor: Django's cursor
    wrapper would inspect every row's parameters again on their way through."""
    placeholder = "?" if connection.vendor == "sqlite" else "%s"
    sql = _INSERT_SQL + f"({placeholder}, {placeholder}, {placeholder}, {placeholder})"
    dataset_id, generation = staged.dataset_id, staged.generation
    params = [
        (dataset_id, generation, position, text)
        for position, text in enumerate(texts, start=first_position)
    ]
    if not params:
        return 0
    connection.ensure_connection()
    raw = connection.connection.cursor()
    try:
        raw.executemany(sql, params)
    finally:
        raw.close()
    return len(params)


def staged_rows_delete(*, staged: StagedRows, guard: Callable[[], None] | None = None) -> None:
    """Delete the rows of `staged.generation` from `staged.start` on, a chunk of positions per
    transaction (positions run without gaps, so each chunk is a short DELETE on the index).
    `guard` runs inside each chunk's transaction first, as for staged_rows_write."""
    rows = DatasetRow.objects.filter(dataset_id=staged.dataset_id, generation=staged.generation)
    last = (
        rows.filter(position__gte=staged.start)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    if last is None:
        return
    size = DELETE_CHUNK_ROWS.get(connection.vendor, DEFAULT_DELETE_CHUNK_ROWS)
    for low in range(staged.start, last + 1, size):
        with transaction.atomic():
            if guard is not None:
                guard()
            rows.filter(position__gte=low, position__lt=low + size).delete()


def leftover_rows_delete(*, dataset_id: int) -> None:
    """Delete what unfinished imports left in the dataset: every row readers do not see (other
    generations, and the current one's from `row_end` on)."""
    dataset = Dataset.objects.filter(pk=dataset_id).values("row_generation", "row_end").first()
    if dataset is None:
        return
    current = dataset["row_generation"]
    rows = DatasetRow.objects.filter(dataset_id=dataset_id)
    # Asked for in index order, each lookup stops at the first row it meets.
    for other in (
        rows.filter(generation__lt=current).order_by("-generation", "-position"),
        rows.filter(generation__gt=current).order_by("generation", "position"),
    ):
        while (generation := other.values_list("generation", flat=True).first()) is not None:
            staged_rows_delete(staged=StagedRows(dataset_id, generation, 0))
    staged_rows_delete(staged=StagedRows(dataset_id, current, dataset["row_end"]))


@dataclass(frozen=True)
class Publication:
    """What an import's staged rows become once shown."""

    staged: StagedRows
    replaces: bool  # a new generation (replace) rather than rows after the current end
    rows: int
    stats: dict


def rows_publish(*, publication: Publication, with_rows: Callable[[], None] | None = None) -> None:
    """Show the staged rows: one short transaction moves the dataset's window onto them, stores
    their statistics and a new version, and runs `with_rows` (what must appear with them).

    Raises ImportFailed if the dataset is gone, or its window moved since the rows were staged
    (rows changed some other way); nothing is shown then.
    """
    staged = publication.staged
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().filter(pk=staged.dataset_id).first()
        if dataset is None:
            raise ImportFailed([DATASET_GONE_ERROR])
        expected = (
            (staged.generation - 1, dataset.row_end)
            if publication.replaces
            else (staged.generation, staged.start)
        )
        if (dataset.row_generation, dataset.row_end) != expected:
            raise ImportFailed([DATASET_CHANGED_ERROR])
        stats = publication.stats
        if not publication.replaces:
            stats = stats_merge(dataset.column_stats, stats)
        # The statistics as they stood before this import, so a KPI can say how far its figure
        # moved since then without reading a row (boards/widgets/data.py). Without their own
        # "previous", so they never nest; none before a dataset's first import, which has
        # nothing to compare with.
        before = dataset.column_stats or {}
        if dataset.updated_at is not None and before.get("columns"):
            stats = {**stats, "previous": {k: v for k, v in before.items() if k != "previous"}}
        Dataset.objects.filter(pk=dataset.pk).update(
            row_generation=staged.generation,
            row_end=staged.start + publication.rows,
            column_stats=stats,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if with_rows is not None:
            with_rows()
