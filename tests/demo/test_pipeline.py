"""The demo pipeline as a separate service: accepts the Action's POST, pushes a forecast back."""

import json
import logging
import random
import socket
import threading
import time
from datetime import date

import pytest
import requests

from datasets.models import Dataset, ImportJob
from demo.pipeline import REGIONS, PipelineServer, forecast_csv, forecast_rows


@pytest.fixture
def pipeline(tmp_path, request):
    """Start a pipeline server on a free port; `configure(base_url, key, configuration_id)`."""
    servers = []

    def start(base_url="http://127.0.0.1:9", api_key=None, configuration_id=None):
        config_file = tmp_path / "pipeline.json"
        if api_key:
            config_file.write_text(
                json.dumps({"apiKey": api_key, "configurationId": configuration_id})
            )
        server = PipelineServer(("127.0.0.1", 0), base_url=base_url, config_file=config_file)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db(transaction=True)
def test_it_computes_a_forecast_and_pushes_it_through_the_import_api(
    forecast, live_server, settings, pipeline
):
    server, url = pipeline(live_server.url, forecast.import_key, forecast.configuration.pk)

    started = time.monotonic()
    response = requests.post(url, json={"scenario": "optimistic"}, timeout=5)
    assert response.status_code == 202
    assert response.json() == {"accepted": True, "scenario": "optimistic"}
    # Generous for a loaded machine; the test below shows the answer does not wait for the push.
    assert time.monotonic() - started < 5

    assert server.runs[-1].done.wait(timeout=15)
    assert server.runs[-1].error is None
    deadline = time.monotonic() + 10
    while Dataset.objects.get(pk=forecast.dataset.pk).version < 1:
        assert time.monotonic() < deadline, "the dataset version did not move"
        time.sleep(0.05)

    job = ImportJob.objects.get(pk=server.runs[-1].import_id)
    assert (job.status, job.rows_imported) == ("succeeded", 24)
    rows = forecast.rows()
    assert {row["region"] for row in rows} == set(REGIONS)
    assert len({row["month"] for row in rows}) == 6
    assert all(row["month"].endswith("-01") for row in rows)
    assert all(isinstance(row["Revenue"], int) and row["Revenue"] > 0 for row in rows)


def test_it_answers_before_its_push_is_answered(pipeline):
    # A Switchboard that takes connections but never replies: the push hangs until it closes.
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        server, url = pipeline(f"http://127.0.0.1:{silent.getsockname()[1]}", "key", 1)
        started = time.monotonic()
        response = requests.post(url, json={"scenario": "base"}, timeout=10)
        assert response.status_code == 202
        assert time.monotonic() - started < 5
        assert not server.runs[-1].done.is_set()
    finally:
        silent.close()
    assert server.runs[-1].done.wait(timeout=10)
    assert server.runs[-1].error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"scenario": "doomsday"}', "scenario must be one of: base, optimistic, pessimistic"),
        (b"not json", "the body is not JSON"),
        (b"[1, 2]", "scenario must be one of"),
    ],
)
def test_it_refuses_a_request_it_cannot_act_on(pipeline, body, message):
    server, url = pipeline()
    response = requests.post(url, data=body, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert server.runs == []


def test_it_runs_the_base_scenario_for_an_empty_body_and_reports_a_missing_key(pipeline):
    server, url = pipeline()
    response = requests.post(url, timeout=5)
    assert response.json()["scenario"] == "base"
    assert server.runs[-1].done.wait(timeout=5)
    assert "run `python manage.py seed_demo`" in server.runs[-1].error
    status = requests.get(url, timeout=5).json()
    assert status["lastRun"]["error"] == server.runs[-1].error


def test_it_grows_revenue_faster_in_the_optimistic_scenario():
    start = date(2031, 11, 1)

    def last_month_total(scenario):
        rows = forecast_rows(scenario=scenario, start=start, rng=random.Random(1))
        return sum(row["revenue"] for row in rows if row["month"] == date(2032, 4, 1))

    assert (
        last_month_total("optimistic") > last_month_total("base") > last_month_total("pessimistic")
    )


def test_it_writes_a_csv_with_the_datasets_columns():
    rows = forecast_rows(scenario="base", start=date(2031, 12, 1), rng=random.Random(1), months=2)
    lines = forecast_csv(rows).decode().splitlines()
    assert lines[0] == "month,region,revenue"
    assert len(lines) == 1 + 2 * len(REGIONS)
    assert lines[-1].startswith("2032-01-01,West,")


def test_it_logs_request_paths_without_their_query_strings(pipeline, caplog):
    server, url = pipeline()
    caplog.set_level(logging.INFO, logger="demo.pipeline")
    requests.post(f"{url}hook?token=s3cret-value&scenario=base", timeout=5)
    requests.get(f"{url}status?token=s3cret-value", timeout=5)
    # A malformed request line is echoed in the server's own error message.
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as raw:
        raw.sendall(b"GET /broken?token=s3cret-value HTTP/1.1 extra\r\n\r\n")
        raw.recv(4096)
    assert server.runs[-1].done.wait(timeout=5)

    logged = [record.getMessage() for record in caplog.records]
    assert any("POST /hook 202" in line for line in logged), logged
    assert any("GET /status 200" in line for line in logged), logged
    assert any("400" in line for line in logged), logged
    assert not [line for line in logged if "s3cret-value" in line]
