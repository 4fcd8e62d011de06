"""Shared fixtures: the personas of the permission matrix.

alice  — Workspace Admin of Acme
erin   — member of Acme who can configure Sales Planning boards (the editor)
victor — member of Acme who can open Sales Planning boards (the viewer)
oscar  — Workspace Admin of Globex (the outsider)
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from boards.models import Board
from config.celery import app as celery_app
from datasets.rate_limit import import_rate_limit_reset
from tests.live_server import AsgiLiveServer
from workspace.models import Application, ApplicationRole, Membership, Workspace
from workspace.services import application_role_ensure, membership_ensure, user_ensure

pytest_plugins = ["tests.secret_log_guard", "tests.support"]

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    acme: Workspace
    sales: Application
    workforce: Application
    sales_board: Board
    workforce_board: Board
    globex: Workspace
    globex_app: Application
    globex_board: Board
    alice: object
    erin: object
    victor: object
    oscar: object

    def client_for(self, persona: str) -> Client:
        client = Client()
        if persona != "anonymous":
            client.force_login(getattr(self, persona))
        return client


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


@pytest.fixture
def world(db) -> World:
    acme = Workspace.objects.create(name="Acme")
    sales = Application.objects.create(workspace=acme, name="Sales Planning")
    workforce = Application.objects.create(workspace=acme, name="Workforce")
    globex = Workspace.objects.create(name="Globex")
    globex_app = Application.objects.create(workspace=globex, name="Operations")
    alice = user_ensure(username="alice", password=PASSWORD)
    erin = user_ensure(username="erin", password=PASSWORD)
    victor = user_ensure(username="victor", password=PASSWORD)
    oscar = user_ensure(username="oscar", password=PASSWORD)
    membership_ensure(workspace=acme, user=alice, role=Membership.Role.ADMIN)
    membership_ensure(workspace=acme, user=erin, role=Membership.Role.MEMBER)
    membership_ensure(workspace=acme, user=victor, role=Membership.Role.MEMBER)
    membership_ensure(workspace=globex, user=oscar, role=Membership.Role.ADMIN)
    application_role_ensure(application=sales, user=erin, level=ApplicationRole.Level.CONFIGURE)
    application_role_ensure(application=sales, user=victor, level=ApplicationRole.Level.OPEN)
    return World(
        acme=acme,
        sales=sales,
        workforce=workforce,
        sales_board=Board.objects.create(application=sales, name="Sales Forecast"),
        workforce_board=Board.objects.create(application=workforce, name="Headcount Plan"),
        globex=globex,
        globex_app=globex_app,
        globex_board=Board.objects.create(application=globex_app, name="Operations Overview"),
        alice=alice,
        erin=erin,
        victor=victor,
        oscar=oscar,
    )


PERSONAS = ["alice", "erin", "victor", "oscar", "anonymous"]
