"""The import API's per-IP limit is a sliding window: never more than the limit in any span.

A fixed window hands out a fresh budget at each boundary, so a client that waits out its 429 gets
another 500 requests straight away. These tests move a simulated clock and count what a client
sees: 401 (admitted, then refused for having no key) or 429 (refused by the limit).

Each test uses its own client address: the PostgreSQL + Redis lane shares one Redis between
parallel workers, and a shared address would share a budget.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.test import Client

from tests.datasets.simulated_clock import SimulatedClock, simulated_clock
from tests.workspace.test_settings import run_manage

STATUS_URL = "/api/v1/import/00000000-0000-0000-0000-000000000000/status"
ADMITTED, REFUSED = 401, 429


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimulatedClock:
    return simulated_clock(monkeypatch)


def knock(client: Client, **extra: Any):
    return client.get(STATUS_URL, **extra)


def burst(client: Client, count: int) -> Counter:
    return Counter(knock(client).status_code for _ in range(count))


def busiest_span(times: list[float], span: float) -> int:
    """The most of `times` that fall within any closed interval of length `span`."""
    ordered = sorted(times)
    start = 0
    busiest = 0
    for end, moment in enumerate(ordered):
        while ordered[start] < moment - span:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


def test_it_never_admits_more_than_500_in_any_five_minute_span(clock: SimulatedClock):
    client = Client(REMOTE_ADDR="198.51.100.21")
    admitted: list[float] = []
    for _ in range(1000):  # one request every 0.36 s: 1,000 requests over 6 minutes
        if knock(client).status_code == ADMITTED:
            admitted.append(clock.now)
        clock.advance(0.36)
    assert busiest_span(admitted, 300) <= 500
    # The first 500 pass within 3 minutes; after 5 minutes each of them, as it ages out of the
    # window, makes room for one more (requests 834 to 999): a sliding window, not a shut door.
    assert len(admitted) == 500 + 166


def test_waiting_out_retry_after_admits_only_what_slid_out_of_the_window(clock: SimulatedClock):
    client = Client(REMOTE_ADDR="198.51.100.22")
    assert burst(client, 250) == {ADMITTED: 250}
    clock.advance(200)
    assert burst(client, 250) == {ADMITTED: 250}
    refused = knock(client)
    assert refused.status_code == REFUSED

    clock.advance(int(refused["Retry-After"]))
    # Only the first 250 are more than five minutes old now; a fixed window would let 500 in.
    assert burst(client, 500) == {ADMITTED: 250, REFUSED: 250}

    clock.advance(int(knock(client)["Retry-After"]))
    assert burst(client, 500) == {ADMITTED: 250, REFUSED: 250}


@pytest.mark.parametrize("wait", [0, 10, 299.25])
def test_retry_after_is_the_first_whole_second_a_request_is_admitted(
    clock: SimulatedClock, wait: float
):
    client = Client(REMOTE_ADDR="198.51.100.23")
    assert burst(client, 500) == {ADMITTED: 500}
    clock.advance(wait)
    refused = knock(client)
    assert refused.status_code == REFUSED
    retry_after = int(refused["Retry-After"])
    assert retry_after >= 1
    assert f"Retry in {retry_after} seconds" in refused.json()["message"]

    clock.advance(retry_after - 1)
    assert knock(client).status_code == REFUSED
    clock.advance(1)
    assert knock(client).status_code == ADMITTED


def test_each_address_has_its_own_budget(clock: SimulatedClock):
    first = Client(REMOTE_ADDR="198.51.100.24")
    second = Client(REMOTE_ADDR="2001:db8::24")
    assert burst(first, 501) == {ADMITTED: 500, REFUSED: 1}
    assert burst(second, 501) == {ADMITTED: 500, REFUSED: 1}


def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(
    settings, clock: SimulatedClock
):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.IMPORT_RATE_LIMIT = "2/5m"
    proxy = Client(REMOTE_ADDR="10.0.0.25")

    def knock_as(forwarded: str) -> int:
        return knock(proxy, HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [knock_as("198.51.100.25") for _ in range(3)] == [ADMITTED, ADMITTED, REFUSED]
    assert knock_as("198.51.100.26") == ADMITTED
    # A forged entry in front of the one our proxy added does not buy a fresh budget.
    assert knock_as("203.0.113.66, 198.51.100.25") == REFUSED


@pytest.mark.parametrize(
    ("rate", "period", "address"),
    [
        ("3/10s", 10, "198.51.100.31"),
        ("3/m", 60, "198.51.100.32"),
        ("3/2h", 7200, "198.51.100.33"),
        ("3/1d", 86400, "198.51.100.34"),
    ],
)
def test_it_reads_the_setting_as_requests_per_period(
    settings, clock: SimulatedClock, rate: str, period: int, address: str
):
    settings.IMPORT_RATE_LIMIT = rate
    client = Client(REMOTE_ADDR=address)
    assert burst(client, 4) == {ADMITTED: 3, REFUSED: 1}
    clock.advance(period - 1)
    assert knock(client).status_code == REFUSED
    clock.advance(2)
    assert knock(client).status_code == ADMITTED


def test_the_limit_is_counted_in_redis_when_redis_url_is_set(settings, clock: SimulatedClock):
    if not settings.REDIS_URL:
        pytest.skip("without REDIS_URL the limit is counted in this process's memory")
    from django_redis import get_redis_connection

    assert knock(Client(REMOTE_ADDR="198.51.100.41")).status_code == ADMITTED
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    assert get_redis_connection("default").keys(f"{prefix}:*198.51.100.41*")


@pytest.mark.parametrize("value", ["500 per 5 minutes", "0/5m", "500/0m", "500/5w"])
def test_it_refuses_to_start_with_a_bad_rate_setting(value: str):
    result = run_manage("check", DEBUG="1", IMPORT_RATE_LIMIT=value)
    assert result.returncode != 0
    assert "IMPORT_RATE_LIMIT must look like 500/5m" in result.stderr
