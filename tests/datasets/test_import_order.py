"""Imports into one dataset run one at a time, in arrival order; other datasets are not held back.

Services step by step (tasks run eagerly in the suite): claiming is what a worker does first with
the id it is handed.
"""

import pytest

from datasets.import_runner import Claim, import_job_claim, import_job_execute, import_job_run
from datasets.models import ImportJob
from datasets.services import dataset_create, import_configuration_create
from tests.datasets.conftest import stored_job

pytestmark = pytest.mark.django_db

FIRST = b"month,region,revenue\n2030-01-01,North,1\n2030-02-01,North,2\n"
SECOND = b"month,region,revenue\n2030-03-01,South,3\n"


@pytest.fixture
def appending(world, forecast):
    return import_configuration_create(
        workspace=world.acme, name="Forecast append", dataset=forecast.dataset, mode="append"
    )


def statuses(*jobs: ImportJob) -> list[str]:
    return [ImportJob.objects.get(pk=job.pk).status for job in jobs]


def test_it_holds_back_the_second_import_of_a_dataset_while_the_first_runs(forecast, appending):
    first = stored_job(forecast.configuration, FIRST, seconds_ago=2)
    second = stored_job(appending, SECOND, seconds_ago=1)
    assert import_job_claim(job_id=first.id) is Claim.CLAIMED
    assert import_job_claim(job_id=second.id) is Claim.WAITING
    assert import_job_run(job_id=second.id) is Claim.WAITING
    assert statuses(first, second) == ["running", "queued"]
    assert forecast.rows() == []


def test_it_runs_the_next_import_once_the_first_finished(forecast, appending):
    first = stored_job(forecast.configuration, FIRST, seconds_ago=2)
    second = stored_job(appending, SECOND, seconds_ago=1)
    assert import_job_claim(job_id=first.id) is Claim.CLAIMED
    assert import_job_claim(job_id=second.id) is Claim.WAITING

    import_job_execute(job_id=first.id)  # hands the dataset over to `second` as it ends

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("succeeded", "succeeded")
    assert second.started_at >= first.finished_at
    assert [row["Revenue"] for row in forecast.rows()] == [1, 2, 3]


def test_it_does_not_take_a_job_while_an_older_one_of_its_dataset_waits(forecast, appending):
    first = stored_job(forecast.configuration, FIRST, seconds_ago=2)
    second = stored_job(appending, SECOND, seconds_ago=1)
    assert import_job_run(job_id=second.id) is Claim.WAITING
    assert statuses(first, second) == ["queued", "queued"]
    # The older one runs, then the newer one: replace, then append.
    assert import_job_run(job_id=first.id) is Claim.CLAIMED
    assert statuses(first, second) == ["succeeded", "succeeded"]
    assert [row["Revenue"] for row in forecast.rows()] == [1, 2, 3]


def test_it_does_not_hold_back_an_import_into_another_dataset(world, forecast):
    other = dataset_create(
        workspace=world.acme,
        name="Headcount",
        columns=[("month", "date"), ("region", "text"), ("revenue", "number")],
    )
    other_configuration = import_configuration_create(
        workspace=world.acme, name="Headcount push", dataset=other, mode="replace"
    )
    running = stored_job(forecast.configuration, FIRST, seconds_ago=2)
    assert import_job_claim(job_id=running.id) is Claim.CLAIMED
    elsewhere = stored_job(other_configuration, SECOND, seconds_ago=1)
    assert import_job_run(job_id=elsewhere.id) is Claim.CLAIMED
    assert statuses(running, elsewhere) == ["running", "succeeded"]
    assert other.rows.count() == 1


def test_two_workers_handed_one_id_run_it_once(forecast):
    job = stored_job(forecast.configuration, FIRST)
    assert import_job_claim(job_id=job.id) is Claim.CLAIMED
    assert import_job_claim(job_id=job.id) is Claim.NOT_QUEUED
    import_job_execute(job_id=job.id)
    assert import_job_run(job_id=job.id) is Claim.NOT_QUEUED
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_imported) == ("succeeded", 1, 2)
    assert len(forecast.rows()) == 2
