"""/metrics: Prometheus text, counted from the database, only for METRICS_TOKEN."""

from __future__ import annotations

import math

import pytest
from prometheus_client.parser import text_string_to_metric_families

from datasets.models import ImportJob
from datasets.services import dataset_create, import_configuration_create
from tests.operations.conftest import DEFAULT, IMPORTS, TOKEN, delivery, heartbeat

pytestmark = pytest.mark.django_db


def scrape(client, token: str | None = TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get("/metrics", **headers)


def samples(response) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a scrape, parsed as Prometheus would."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_it_is_a_404_while_no_token_is_set(client, settings):
    settings.METRICS_TOKEN = ""

    assert scrape(client).status_code == 404
    assert scrape(client, token="").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"],
    ids=["none", "wrong", "basic", "longer", "empty"],
)
def test_it_is_a_401_without_the_right_token(client, metrics_token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert b"switchboard_" not in response.content


def test_it_counts_deliveries_imports_and_heartbeats_from_the_database(
    client, metrics_token, world
):
    acme = world.acme
    for duration_ms in (40, 120, 3000):
        delivery(acme, outcome="succeeded", duration_ms=duration_ms)
    delivery(acme, outcome="failed", duration_ms=16000)
    delivery(acme, outcome="timed_out", duration_ms=15000)
    delivery(acme, outcome="refused", reason="quota")  # never sent: no duration
    delivery(acme, outcome="succeeded", duration_ms=100, minutes_ago=120)  # outside the hour
    delivery(acme, outcome="pending", minutes_ago=0.1)
    delivery(world.globex, outcome="pending", minutes_ago=0.2)
    delivery(acme, outcome="pending", minutes_ago=10)  # its worker died: not in the queue
    dataset = dataset_create(workspace=acme, name="Forecast", columns=[("month", "date")])
    configuration = import_configuration_create(
        workspace=acme, name="Forecast push", dataset=dataset, mode="replace"
    )
    for status in ("queued", "queued", "running", "succeeded", "failed"):
        ImportJob.objects.create(workspace=acme, configuration=configuration, status=status)
    heartbeat(seconds_ago=8)

    response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    figures = samples(response)
    assert {
        (dict(labels)["outcome"], dict(labels)["reason"]): value
        for (name, labels), value in figures.items()
        if name == "switchboard_deliveries"
    } == {
        ("pending", ""): 3,
        ("succeeded", ""): 3,
        ("failed", ""): 1,
        ("timed_out", ""): 1,
        ("blocked", ""): 0,
        ("refused", "quota"): 1,
        ("duplicate", ""): 0,
        ("lost", ""): 0,
        ("unknown", ""): 0,
    }
    buckets = {
        dict(labels)["le"]: value
        for (name, labels), value in figures.items()
        if name == "switchboard_delivery_duration_seconds_bucket"
    }
    assert buckets == {
        "0.05": 1,
        "0.1": 1,
        "0.25": 2,
        "0.5": 2,
        "1.0": 2,
        "2.5": 2,
        "5.0": 3,
        "10.0": 3,
        "15.0": 4,
        "+Inf": 5,
    }
    assert figures[("switchboard_delivery_duration_seconds_count", ())] == 5
    assert figures[("switchboard_delivery_duration_seconds_sum", ())] == pytest.approx(34.16)
    assert figures[("switchboard_delivery_queue_depth", (("state", "waiting"),))] == 2
    assert figures[("switchboard_delivery_queue_depth", (("state", "sending"),))] == 0
    assert figures[("switchboard_import_queue_depth", (("status", "queued"),))] == 2
    assert figures[("switchboard_import_queue_depth", (("status", "running"),))] == 1
    for queue in (DEFAULT, IMPORTS):
        assert 8 <= figures[("switchboard_worker_heartbeat_age_seconds", (("queue", queue),))] < 20


def test_it_reports_an_infinite_heartbeat_age_when_no_worker_ever_beat(client, metrics_token):
    heartbeat(seconds_ago=3, queues=(DEFAULT,))  # nothing takes the imports

    figures = samples(scrape(client))

    assert figures[("switchboard_worker_heartbeat_age_seconds", (("queue", DEFAULT),))] < 20
    assert math.isinf(figures[("switchboard_worker_heartbeat_age_seconds", (("queue", IMPORTS),))])
    assert figures[("switchboard_delivery_queue_depth", (("state", "waiting"),))] == 0


def test_it_needs_no_session(client, metrics_token):
    response = scrape(client)

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert "no-store" in response["Cache-Control"]
