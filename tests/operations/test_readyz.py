"""/readyz: the database and the broker answer, and a worker ran the heartbeat lately."""

from __future__ import annotations

import logging
import time

import pytest

from operations import selectors
from tests.operations.conftest import DEFAULT, IMPORTS, heartbeat

pytestmark = pytest.mark.django_db

ALL_OK = {"database": "ok", "broker": "ok", "worker": "ok", "import_worker": "ok"}


def test_it_is_ready_with_a_fresh_heartbeat(client):
    # The real database and broker checks: the filesystem broker, or Redis on the Redis lane.
    heartbeat(seconds_ago=5)

    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": ALL_OK}
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_it_names_both_workers_when_no_worker_ever_beat(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "failed",
        "failed": ["worker", "import_worker"],
        "checks": {**ALL_OK, "worker": "failed", "import_worker": "failed"},
    }


def test_it_names_the_import_worker_when_nothing_takes_the_imports_queue(client):
    # Workers started with --exclude-queues imports, and every import worker gone.
    heartbeat(seconds_ago=5, queues=(DEFAULT,))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "failed",
        "failed": ["import_worker"],
        "checks": {**ALL_OK, "import_worker": "failed"},
    }


def test_it_names_the_worker_when_only_import_workers_run(client):
    heartbeat(seconds_ago=5, hostname="celery@import-1", queues=(IMPORTS,))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["worker"]


def test_it_names_the_worker_when_the_newest_heartbeat_is_stale(client, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    heartbeat(seconds_ago=90, hostname="celery@worker-1")
    heartbeat(seconds_ago=75, hostname="celery@worker-2")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["worker", "import_worker"]


def test_it_takes_the_allowed_age_from_the_setting(client, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 120
    heartbeat(seconds_ago=90)

    assert client.get("/readyz").status_code == 200


def test_it_names_the_broker(client, monkeypatch):
    heartbeat(seconds_ago=5)
    monkeypatch.setattr(selectors, "broker_reachable", lambda: False)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "failed",
        "failed": ["broker"],
        "checks": {**ALL_OK, "broker": "failed"},
    }


def test_it_names_the_database_and_cannot_tell_about_the_worker(client, monkeypatch):
    heartbeat(seconds_ago=5)
    monkeypatch.setattr(selectors, "database_reachable", lambda: False)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "failed",
        "failed": ["database"],
        "checks": {
            "database": "failed",
            "broker": "ok",
            "worker": "unknown",
            "import_worker": "unknown",
        },
    }


@pytest.mark.parametrize(
    "url",
    [
        "redis://:sb-broker-password@127.0.0.1:1/0",
        "amqp://guest:sb-broker-password@127.0.0.1:1//",
    ],
    ids=["redis", "amqp"],
)
def test_it_finds_an_unreachable_broker_quickly_and_quietly(url, caplog):
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()

    assert selectors.broker_reachable(url=url) is False

    assert time.monotonic() - started < 5
    assert "sb-broker-password" not in caplog.text
    assert "broker is unreachable" in caplog.text


def test_it_does_not_show_the_broker_address(client, monkeypatch):
    heartbeat(seconds_ago=5)
    check = selectors.broker_reachable
    monkeypatch.setattr(
        selectors, "broker_reachable", lambda: check(url="redis://:sb-pw@127.0.0.1:1/0")
    )

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert b"127.0.0.1" not in response.content
    assert b"sb-pw" not in response.content


def test_it_answers_a_plain_http_probe_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    heartbeat(seconds_ago=5)

    assert client.get("/readyz").status_code == 200
