"""A run whose job the sweep handed to another run stops before its next chunk of rows: it never
writes at the positions the new run is filling, nor deletes what the new run wrote."""

import pytest

from datasets import import_writing
from datasets.import_runner import Claim, import_job_claim, import_job_execute
from datasets.models import DatasetRow, ImportJob
from tests.datasets.conftest import stored_job

BODY = b"month,region,revenue\n" + b"2030-01-01,North,1\n" * 10

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_row_chunks(monkeypatch):
    monkeypatch.setattr(import_writing, "CHUNK_ROWS", {})
    monkeypatch.setattr(import_writing, "DEFAULT_CHUNK_ROWS", 2)


def _taken_over_after(chunks: int, job: ImportJob, monkeypatch, *, then=None) -> list[int]:
    """Chunk writes as they happen; after the `chunks`-th, the sweep hands the job on (as it
    does when the run's heartbeat looked stopped), and `then` runs."""
    write = import_writing.chunk_writer()
    written: list[int] = []

    def writing(staged, first_position, texts):
        written.append(write(staged, first_position, texts))
        if len(written) == chunks:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.QUEUED, heartbeat_at=None
            )
            if then is not None:
                then()
        return written[-1]

    monkeypatch.setattr(import_writing, "chunk_writer", lambda: writing)
    return written


def test_a_run_taken_over_between_chunks_writes_no_chunk_more(
    forecast, two_row_chunks, monkeypatch
):
    job = stored_job(forecast.configuration, BODY)
    assert import_job_claim(job_id=job.id) is Claim.CLAIMED
    written = _taken_over_after(1, job, monkeypatch)

    import_job_execute(job_id=job.id)

    assert written == [2]  # 5 chunks of 2 rows without the hand-over
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED  # left to the run that has it now
    forecast.dataset.refresh_from_db()
    assert forecast.dataset.row_generation == 0  # nothing shown
    assert DatasetRow.objects.filter(dataset=forecast.dataset).count() == 2


def test_a_failing_run_that_lost_its_job_leaves_the_new_runs_rows_alone(
    forecast, two_row_chunks, monkeypatch
):
    job = stored_job(forecast.configuration, BODY + b"not a date,North,1\n")
    assert import_job_claim(job_id=job.id) is Claim.CLAIMED
    generation = forecast.dataset.row_generation + 1

    def new_run_writes():
        # The new run's rows, at the same positions of the same generation.
        DatasetRow.objects.filter(dataset=forecast.dataset).update(values={"by": "new run"})

    # Taken over at the last chunk: the bad line then fails the old run, which must not delete.
    _taken_over_after(5, job, monkeypatch, then=new_run_writes)

    import_job_execute(job_id=job.id)

    rows = DatasetRow.objects.filter(dataset=forecast.dataset, generation=generation)
    assert rows.count() == 10
    assert {row.values["by"] for row in rows} == {"new run"}
    job.refresh_from_db()
    assert (job.status, job.errors) == (ImportJob.Status.QUEUED, [])  # no failure recorded
