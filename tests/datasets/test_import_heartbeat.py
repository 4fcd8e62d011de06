"""A running import's heartbeat moves while it imports, so the sweep can tell it is alive."""

import datetime

import pytest

from datasets.import_runner import Claim, import_job_run
from tests.datasets.conftest import stored_job

BODY = b"month,region,revenue\n" + b"2030-01-01,North,1\n" * 9000  # 9 chunks on SQLite


@pytest.mark.django_db(transaction=True)  # beats are written between the import's commits
def test_it_touches_the_heartbeat_while_the_import_runs(forecast, monkeypatch):
    monkeypatch.setattr("datasets.import_runner.HEARTBEAT_EVERY", datetime.timedelta(0))
    job = stored_job(forecast.configuration, BODY)
    assert import_job_run(job_id=job.id) is Claim.CLAIMED
    job.refresh_from_db()
    assert (job.status, job.rows_imported) == ("succeeded", 9000)
    # The claim sets both to the same instant; only a beat written during the run moves it.
    assert job.heartbeat_at > job.started_at
