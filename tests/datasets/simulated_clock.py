"""A clock the tests move by hand, so rate-limit windows are exact and no test sleeps."""

from __future__ import annotations

import time

import pytest


class SimulatedClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def simulated_clock(monkeypatch: pytest.MonkeyPatch) -> SimulatedClock:
    """Freeze time.time(), which the rate limiter and both its storages read (for a fixture).

    Patched on the time module itself, so the limiter, its in-memory storage and the timestamps
    it sends to Redis all follow it. Starts half a second into a real second: a limiter that
    rounds Retry-After the wrong way is then off by one and the tests see it.
    """
    simulated = SimulatedClock(start=float(int(time.time())) + 0.5)
    monkeypatch.setattr(time, "time", simulated.time)
    return simulated
