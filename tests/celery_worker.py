"""A real `celery worker` process for tests that need one: ordering, concurrency, crashes.

It runs the project's worker command against this test run's database and broker (the
server-free filesystem broker by default, Redis on the CI lane that sets REDIS_URL), consuming
this test worker's own queue. Tests using it need committed rows: `transactional_db`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, log: list[str]) -> None:
        self.process = process
        self.log = log

    def kill(self) -> None:
        """kill -9: no warm shutdown, no acknowledgement, nothing recorded."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def _database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or "postgres"
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{database['NAME']}"


def worker_environment(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BROKER_DIR": str(settings.CELERY_BROKER_DIR),
        **extra,
    }
    return env


def worker_command(*, concurrency: int, hostname: str, loglevel: str = "INFO") -> list[str]:
    """The command line of a worker on this run's queues (sends and imports), with fake DNS
    when asked for (tests/worker_main.py)."""
    return [
        sys.executable,
        "-m",
        "tests.worker_main",
        "-A",
        "config",
        "worker",
        "--pool",
        "threads",
        "--concurrency",
        str(concurrency),
        "--queues",
        f"{app.conf.task_default_queue},{settings.CELERY_IMPORT_QUEUE}",
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        hostname,
    ]


@contextmanager
def celery_worker_process(
    *,
    concurrency: int = 4,
    ready_timeout: float = 30,
    fake_dns: dict[str, list[str]] | None = None,
    **extra_env: str,
) -> Iterator[WorkerProcess]:
    """Start a worker, wait until it consumes, stop it afterwards (if the test did not).

    `fake_dns` maps names to addresses for the worker's name resolution (tests/worker_main.py);
    settings the test changed do not reach the worker: pass them as environment variables."""
    if fake_dns is not None:
        extra_env["TEST_FAKE_DNS"] = json.dumps(fake_dns)
    command = worker_command(
        concurrency=concurrency, hostname=f"test-{os.getpid()}-{time.monotonic_ns()}@%h"
    )
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        command,
        cwd=ROOT,
        env=worker_environment(**extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            log.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    worker = WorkerProcess(process, log)
    with _publishing_to_workers():
        try:
            if not ready.wait(ready_timeout):
                raise RuntimeError("The Celery worker did not start:\n" + "".join(log))
            yield worker
        finally:
            worker.stop()


@contextmanager
def _publishing_to_workers() -> Iterator[None]:
    """This process sends tasks to the broker instead of running them in place."""
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True
