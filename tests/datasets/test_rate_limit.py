import time
import uuid
from unittest import mock

import pytest
from django.test import Client

from tests.datasets.conftest import GOOD_CSV, push, status

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_clock():
    """Pin the rate limiter's clock, so a run never straddles two windows."""
    with mock.patch("django_ratelimit.core.time") as clock:
        clock.time.return_value = float(int(time.time()))
        yield clock


def test_it_answers_429_with_retry_after_past_500_requests_in_the_window(forecast, frozen_clock):
    client = Client()
    for _ in range(500):
        assert status(client, forecast.import_key, str(uuid.uuid4())).status_code == 404
    response = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 300

    start = frozen_clock.time.return_value
    frozen_clock.time.return_value = start + retry_after - 1
    assert status(client, forecast.import_key, str(uuid.uuid4())).status_code == 429
    frozen_clock.time.return_value = start + retry_after
    response = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 202


def test_it_counts_both_endpoints_and_unauthenticated_requests(forecast, frozen_clock):
    client = Client()
    for _ in range(250):
        push(client, None, GOOD_CSV, forecast.configuration.pk)
        client.get(f"/api/v1/import/{uuid.uuid4()}/status")
    assert status(client, forecast.import_key, str(uuid.uuid4())).status_code == 429


def test_it_limits_each_client_address_separately(forecast, settings, frozen_clock):
    settings.IMPORT_RATE_LIMIT = "2/5m"
    client = Client()
    for _ in range(2):
        push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk).status_code == 429
    other = push(
        client, forecast.import_key, GOOD_CSV, forecast.configuration.pk, REMOTE_ADDR="10.1.2.3"
    )
    assert other.status_code == 202
