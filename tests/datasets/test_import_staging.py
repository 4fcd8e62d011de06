"""An import writes its rows where readers do not look, in short transactions, then shows them in
one step: readers and other writers go on meanwhile, and a failed or killed import leaves
nothing anyone sees."""

from __future__ import annotations

import io
import threading
import time

import pytest
from django.db import connection

from boards.widgets.data import TABLE_PAGE_SIZE, table_first_rows
from datasets import import_writing
from datasets.import_runner import Claim, import_job_run, import_jobs_sweep
from datasets.import_writing import DATASET_GONE_ERROR
from datasets.importer import ImportFailed, dataset_rows_import, dataset_rows_validate
from datasets.models import Dataset, DatasetRow, ImportJob
from datasets.selectors import dataset_rows_visible
from datasets.services import import_configuration_create
from tests.datasets.conftest import stored_job

HEADER = b"month,region,revenue\n"


def rows_csv(count: int, region: str = "North", first: int = 0) -> bytes:
    return HEADER + b"".join(
        b"2030-01-01,%s,%d\n" % (region.encode(), i) for i in range(first, first + count)
    )


CHUNK_SETTINGS = (
    "CHUNK_ROWS",
    "DEFAULT_CHUNK_ROWS",
    "DELETE_CHUNK_ROWS",
    "DEFAULT_DELETE_CHUNK_ROWS",
)
REAL_CHUNKS = {name: getattr(import_writing, name) for name in CHUNK_SETTINGS}


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch):
    # Many commits from a small file, on both databases.
    monkeypatch.setattr(import_writing, "CHUNK_ROWS", {})
    monkeypatch.setattr(import_writing, "DEFAULT_CHUNK_ROWS", 500)
    monkeypatch.setattr(import_writing, "DELETE_CHUNK_ROWS", {})
    monkeypatch.setattr(import_writing, "DEFAULT_DELETE_CHUNK_ROWS", 300)


@pytest.fixture
def appending(world, forecast):
    return import_configuration_create(
        workspace=world.acme, name="Forecast append", dataset=forecast.dataset, mode="append"
    )


def load(configuration, body: bytes, **hooks):
    return dataset_rows_import(configuration=configuration, csv_file=io.BytesIO(body), **hooks)


def visible(forecast) -> list[dict]:
    dataset = Dataset.objects.get(pk=forecast.dataset.pk)
    return list(dataset_rows_visible(dataset=dataset).values_list("values", flat=True))


def first_page(forecast) -> list[dict]:
    return table_first_rows(datasets=[Dataset.objects.get(pk=forecast.dataset.pk)])[
        forecast.dataset.pk
    ]


def page_of(region: str) -> list[dict]:
    return [{"month": "2030-01-01", "region": region, "Revenue": i} for i in range(TABLE_PAGE_SIZE)]


# --- readers and writers during an import ------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the reader is another connection: rows must commit
def test_a_board_reading_during_a_replace_sees_the_old_rows_or_the_new_never_a_mix(forecast):
    load(forecast.configuration, rows_csv(40, "Old"))
    pages: list[list[dict]] = []
    during: list[list[dict]] = []
    stop = threading.Event()
    read_wanted, read_done = threading.Event(), threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                page = first_page(forecast)
                pages.append(page)
                if read_wanted.is_set():
                    read_wanted.clear()
                    during.append(page)
                    read_done.set()
        finally:
            connection.close()

    def after_chunk() -> None:
        # Some reads land while this import's rows are half written, by construction.
        read_done.clear()
        read_wanted.set()
        assert read_done.wait(10), "the reader was held out by the import"

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        load(forecast.configuration, rows_csv(5000, "New"), on_batch=after_chunk)
        time.sleep(0.05)  # a few reads after the switch, and during the old rows' deletion
    finally:
        stop.set()
        thread.join()
    old, new = page_of("Old"), page_of("New")
    assert len(during) == 10  # one per chunk of 500
    assert all(page == old for page in during)
    assert all(page in (old, new) for page in pages), "a reader saw an empty or mixed table"
    assert pages[-1] == new
    assert first_page(forecast) == new
    assert DatasetRow.objects.filter(dataset=forecast.dataset).count() == 5000  # old ones gone


@pytest.mark.django_db(transaction=True)
def test_other_writers_get_their_turn_while_an_import_runs(forecast):
    waits: list[float] = []

    def write_elsewhere() -> None:
        try:
            started = time.monotonic()
            Dataset.objects.filter(pk=forecast.dataset.pk).update(name="Renamed meanwhile")
            waits.append(time.monotonic() - started)
        finally:
            connection.close()

    def after_chunk() -> None:
        thread = threading.Thread(target=write_elsewhere)
        thread.start()
        thread.join(20)

    load(forecast.configuration, rows_csv(2000), on_batch=after_chunk)
    assert len(waits) == 4
    assert max(waits) < 2, waits
    assert Dataset.objects.get(pk=forecast.dataset.pk).name == "Renamed meanwhile"
    assert len(visible(forecast)) == 2000


# --- failures and interruptions ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_row_near_the_end_leaves_the_old_rows_and_nothing_else(forecast):
    load(forecast.configuration, rows_csv(3, "Old"))
    before = Dataset.objects.get(pk=forecast.dataset.pk)
    body = rows_csv(4000, "New") + b"2030-01-01,New,abc\n" + rows_csv(5)[len(HEADER) :]
    job = stored_job(forecast.configuration, body)
    assert import_job_run(job_id=job.id) is Claim.CLAIMED
    job.refresh_from_db()
    assert (job.status, job.errors) == (
        "failed",
        ["Line 4002: 'abc' is not a number in column Revenue."],
    )
    assert (job.rows_received, job.rows_imported, job.row_end) == (4006, 0, None)
    stored = DatasetRow.objects.filter(dataset=forecast.dataset)
    assert [row["region"] for row in stored.values_list("values", flat=True)] == ["Old"] * 3
    after = Dataset.objects.get(pk=forecast.dataset.pk)
    assert (after.version, after.row_generation, after.row_end, after.column_stats) == (
        before.version,
        before.row_generation,
        before.row_end,
        before.column_stats,
    )


class WorkerKilled(BaseException):
    """What a worker's death looks like from inside: nothing gets to clean up."""


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["replace", "append"])
def test_a_killed_import_leaves_only_unseen_rows_which_the_next_run_removes(
    forecast, appending, mode
):
    configuration = forecast.configuration if mode == "replace" else appending
    load(forecast.configuration, rows_csv(3, "Old"))
    chunks = 0

    def killed_after_two_chunks() -> None:
        nonlocal chunks
        chunks += 1
        if chunks == 2:
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        load(configuration, rows_csv(3000, "Lost"), on_batch=killed_after_two_chunks)
    assert DatasetRow.objects.filter(dataset=forecast.dataset).count() == 3 + 1000  # left behind
    assert [row["region"] for row in visible(forecast)] == ["Old"] * 3

    load(configuration, rows_csv(700, "Again"))  # the run again, from the same kind of file
    expected = (["Old"] * 3 if mode == "append" else []) + ["Again"] * 700
    assert [row["region"] for row in visible(forecast)] == expected
    stored = DatasetRow.objects.filter(dataset=forecast.dataset)
    assert stored.count() == len(expected)
    assert sorted(stored.values_list("position", flat=True)) == list(range(len(expected)))
    stats = Dataset.objects.get(pk=forecast.dataset.pk).column_stats
    assert stats["rows"] == len(expected)


@pytest.mark.django_db
def test_giving_up_on_an_import_that_keeps_dying_deletes_what_it_left(forecast, appending):
    load(forecast.configuration, rows_csv(3, "Old"))

    def killed() -> None:
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        load(appending, rows_csv(800, "Lost"), on_batch=killed)
    job = stored_job(
        appending, rows_csv(800), status="running", heartbeat_seconds_ago=600, attempts=3
    )
    assert DatasetRow.objects.filter(dataset=forecast.dataset).count() == 3 + 500
    assert import_jobs_sweep().given_up == 1
    job.refresh_from_db()
    assert job.status == "failed"
    stored = DatasetRow.objects.filter(dataset=forecast.dataset)
    assert [row["region"] for row in stored.values_list("values", flat=True)] == ["Old"] * 3


@pytest.mark.django_db
def test_an_import_into_a_dataset_deleted_meanwhile_fails_and_leaves_nothing(forecast):
    def dataset_deleted() -> None:
        Dataset.objects.filter(pk=forecast.dataset.pk).delete()

    with pytest.raises(ImportFailed) as failure:
        load(forecast.configuration, rows_csv(600), on_batch=dataset_deleted)
    assert failure.value.errors == [DATASET_GONE_ERROR]
    assert not DatasetRow.objects.exists()


@pytest.mark.django_db
def test_a_run_whose_job_was_taken_over_shows_nothing_and_leaves_the_job_alone(
    forecast, monkeypatch
):
    load(forecast.configuration, rows_csv(3, "Old"))
    job = stored_job(forecast.configuration, rows_csv(1200, "New"))
    real_write = dataset_rows_import

    def swept_meanwhile(**kwargs):
        # The sweep took this run for dead and queued the job again before it finished.
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
        return real_write(**kwargs)

    monkeypatch.setattr("datasets.import_runner.dataset_rows_import", swept_meanwhile)
    assert import_job_run(job_id=job.id) is Claim.CLAIMED
    job.refresh_from_db()
    assert (job.status, job.errors, job.finished_at) == ("queued", [], None)
    assert [row["region"] for row in visible(forecast)] == ["Old"] * 3


# --- what succeeded imports leave -----------------------------------------------------------------


@pytest.mark.django_db
def test_replace_and_append_move_the_rows_and_each_job_records_where_they_ended(
    forecast, appending
):
    outcomes = []
    for configuration, body in [
        (forecast.configuration, rows_csv(3, "A")),
        (appending, rows_csv(2, "B", first=3)),
        (appending, rows_csv(1, "C", first=5)),
        (forecast.configuration, rows_csv(2, "D")),
        (appending, rows_csv(1, "E", first=2)),
    ]:
        job = stored_job(configuration, body)
        assert import_job_run(job_id=job.id) is Claim.CLAIMED
        job.refresh_from_db()
        outcomes.append((job.status, job.rows_imported, job.row_generation, job.row_end))
        if len(outcomes) == 3:
            assert [row["region"] for row in visible(forecast)] == ["A"] * 3 + ["B"] * 2 + ["C"]
    assert outcomes == [
        ("succeeded", 3, 1, 3),
        ("succeeded", 2, 1, 5),
        ("succeeded", 1, 1, 6),
        ("succeeded", 2, 2, 2),
        ("succeeded", 1, 2, 3),
    ]
    assert visible(forecast) == [
        {"month": "2030-01-01", "region": "D", "Revenue": 0},
        {"month": "2030-01-01", "region": "D", "Revenue": 1},
        {"month": "2030-01-01", "region": "E", "Revenue": 2},
    ]
    assert DatasetRow.objects.filter(dataset=forecast.dataset).count() == 3  # no old generation
    dataset = Dataset.objects.get(pk=forecast.dataset.pk)
    assert (dataset.version, dataset.row_generation, dataset.row_end) == (5, 2, 3)
    assert dataset.column_stats["rows"] == 3
    assert dataset.column_stats["columns"]["Revenue"]["sum"] == "3"


@pytest.mark.django_db
def test_a_dry_run_reports_what_the_import_would_and_writes_nothing(forecast):
    body = rows_csv(800) + b"2030-13-01,North,1\nshort\n"
    with pytest.raises(ImportFailed) as dry:
        dataset_rows_validate(configuration=forecast.configuration, csv_file=io.BytesIO(body))
    assert not DatasetRow.objects.exists()
    with pytest.raises(ImportFailed) as real:
        load(forecast.configuration, body)
    assert (
        dry.value.errors
        == real.value.errors
        == [
            "Line 802: '2030-13-01' is not a date (YYYY-MM-DD) in column month.",
            "Line 803: expected 3 values, found 1.",
        ]
    )
    assert dry.value.rows_received == real.value.rows_received == 802

    checked = dataset_rows_validate(
        configuration=forecast.configuration, csv_file=io.BytesIO(rows_csv(800) + b"\n")
    )
    assert (checked.rows_received, checked.rows_imported) == (800, 800)
    assert not DatasetRow.objects.exists()
    assert Dataset.objects.get(pk=forecast.dataset.pk).version == 0


@pytest.mark.django_db
def test_a_bad_row_at_line_999999_of_a_million_is_reported_and_nothing_is_written(
    forecast, tmp_path, monkeypatch
):
    for name, value in REAL_CHUNKS.items():  # as a worker runs it
        monkeypatch.setattr(import_writing, name, value)
    path = tmp_path / "million.csv"
    good = b"2030-01-01,North,1\n"
    with path.open("wb") as handle:  # line 1 is the header: rows are lines 2 to 1,000,001
        handle.write(HEADER)
        handle.write(good * 999_997)
        handle.write(b"2030-01-01,North,1.2.3\n")
        handle.write(good * 2)
    with path.open("rb") as csv_file, pytest.raises(ImportFailed) as failure:
        dataset_rows_import(configuration=forecast.configuration, csv_file=csv_file)
    assert failure.value.errors == ["Line 999999: '1.2.3' is not a number in column Revenue."]
    assert failure.value.rows_received == 1_000_000
    assert not DatasetRow.objects.exists()
    assert Dataset.objects.get(pk=forecast.dataset.pk).version == 0
