"""Fixtures every test folder shares: the live server, a clean cache and rate limit per test,
and Celery as production runs it. The personas, the fake resolver and the connection factory live
in tests/support/ (loaded below as plugins).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from config.celery import app as celery_app
from datasets.rate_limit import import_rate_limit_reset
from tests.live_server import AsgiLiveServer

pytest_plugins = ["tests.secret_log_guard", "tests.support.personas", "tests.support.resolver"]


@pytest.fixture(scope="session")
def live_server():
    """The ASGI application under uvicorn (tests/live_server.py), as production serves it."""
    server = AsgiLiveServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _clear_cache():
    _cache_clear()
    yield
    _cache_clear()


def _cache_clear() -> None:
    # On Redis only this run's (and this worker's) prefix: FLUSHDB would also wipe the keys of
    # parallel workers mid-test (config/settings_test.py).
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _clear_import_rate_limit():
    # Without Redis the import API's limiter counts in its own memory, which cache.clear() misses.
    import_rate_limit_reset()
    yield
    import_rate_limit_reset()


@pytest.fixture
def queued_tasks():
    """Tasks go to the broker once the transaction commits, as in production, instead of running
    in place. No worker runs them: a test's click stays waiting until it runs the service itself
    (in a test transaction, which never commits, nothing is even sent)."""
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = True


@pytest.fixture
def celery_worker_thread(queued_tasks, transactional_db):
    """A real Celery worker inside this process (celery.contrib.testing.worker), consuming this
    test worker's queue: tasks travel through the broker once their transaction commits, as in
    production, and see this process's settings and test doubles. Needs committed rows, so the
    test database is transactional."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=20,
    ) as worker:
        yield worker
