import uuid

import pytest
from django.test import Client

from tests.datasets.conftest import GOOD_CSV, push, status
from tests.datasets.simulated_clock import SimulatedClock, simulated_clock

pytestmark = pytest.mark.django_db


# Each test has its own client address: parallel workers on one Redis would otherwise share one
# budget (and eat the budget of other tests, which all come from 127.0.0.1).
@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> SimulatedClock:
    """Pin the rate limiter's clock, so Retry-After can be checked to the second."""
    return simulated_clock(monkeypatch)


def test_it_answers_429_with_retry_after_past_500_requests_in_the_window(forecast, frozen_clock):
    client = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(500):
        assert status(client, forecast.import_key, str(uuid.uuid4())).status_code == 404
    response = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    retry_after = int(response["Retry-After"])
    # All 500 came at this instant, and a request exactly 5 minutes old still counts: 301 s.
    assert retry_after == 301

    frozen_clock.advance(retry_after - 1)
    assert status(client, forecast.import_key, str(uuid.uuid4())).status_code == 429
    frozen_clock.advance(1)
    response = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 202


def test_it_counts_both_endpoints_and_unauthenticated_requests(forecast, frozen_clock):
    client = Client(REMOTE_ADDR="198.51.100.2")
    for _ in range(250):
        push(client, None, GOOD_CSV, forecast.configuration.pk)
        client.get(f"/api/v1/import/{uuid.uuid4()}/status")
    assert status(client, forecast.import_key, str(uuid.uuid4())).status_code == 429


def test_it_limits_each_client_address_separately(forecast, settings, frozen_clock):
    settings.IMPORT_RATE_LIMIT = "2/5m"
    client = Client(REMOTE_ADDR="198.51.100.3")
    for _ in range(2):
        push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk).status_code == 429
    other = push(
        client, forecast.import_key, GOOD_CSV, forecast.configuration.pk, REMOTE_ADDR="10.1.2.3"
    )
    assert other.status_code == 202
