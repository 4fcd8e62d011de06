"""How much server time a click adds on top of the outgoing POST itself.

Runs standalone: `python benchmarks/click_vs_requests.py [--clicks 90]`. It sets up Django on a
throwaway SQLite database, starts an instant HTTP receiver on 127.0.0.1 in a process of its own
(reached through OUTBOUND_ALLOWLIST) and times, in one run and against that one receiver:

  bare requests.post      the floor: one POST with requests, nothing else
  service path            delivery_start + delivery_execute (lock, quota, ledger, egress)
  delivery_start only     what the request does when a worker sends: lock, quota, record
  click view, inline      the board's click endpoint through django.test.Client, posted as
                          the button's htmx form posts it (urlencoded, CSRF token checked),
                          sending inside the request (CELERY_TASK_ALWAYS_EAGER)
  click view, worker      the same endpoint with the call handed to a Celery worker thread in
                          this process (through the filesystem broker); timed until the
                          response. The worker's send shares this process's GIL with the
                          request's last steps, so this reads a little high
  click view, worker process
                          as production runs it: the worker is a `celery worker` process of
                          its own, so only the request's own work is timed
  trivial signed-in view  the floor of any signed-in page through the same client and
                          middleware: the session and the user are read, "ok" is answered

The bare POST and the trivial view are timed in turn with the worker-process clicks (one of each
after every click, with a pause before and after so the worker's last steps are timed into
neither), so the ratio the budget is about compares figures taken side by side. The bare POST
is also timed back to back, where it reads lower: a hot loop keeps caches and cores warm.

Each mode gets its own workspace, because the hourly quota (100 per host) would otherwise refuse
the later clicks; --clicks is capped so warm-up plus timed clicks stay within one quota.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import cast

from support import instant_receiver_process

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 5
SETTLE = 0.02  # seconds between a click and its baselines, and before the next click


def _setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = database_url
    os.environ["OUTBOUND_ALLOWLIST"] = "127.0.0.1"
    os.environ["OUTBOUND_ALLOW_HTTP"] = "1"
    os.environ["LOG_LEVEL"] = "WARNING"  # one log line per call would be timed too
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(n: int, action: Callable[[], object]) -> list[float]:
    for _ in range(WARMUP):
        action()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _scenario(name: str, url: str):
    """A workspace with an admin, a board and an Action widget bound to a connection to `url`."""
    from urllib.parse import urlsplit

    from boards.models import Board, Widget
    from integrations.models import Connection
    from workspace.models import Application, Membership, Workspace
    from workspace.services import membership_ensure, user_ensure

    workspace = Workspace.objects.create(name=name)
    application = Application.objects.create(workspace=workspace, name="Sales Planning")
    user = user_ensure(username=f"admin-{workspace.pk}", password=uuid.uuid4().hex)
    membership_ensure(workspace=workspace, user=user, role=Membership.Role.ADMIN)
    connection = Connection.objects.create(
        workspace=workspace,
        name="Forecast pipeline",
        url=url,
        headers='{"X-Api-Key": "bench"}',
        body='{"pipeline": "forecast"}',
        host=cast(str, urlsplit(url).hostname),  # the receiver's URL always names one
    )
    connection.applications.set([application])
    board = Board.objects.create(application=application, name="Sales Forecast")
    widget = Widget.objects.create(
        board=board, kind=Widget.Kind.ACTION, connection=connection, button_label="Refresh"
    )
    return user, connection, board, widget


def _wait_until_final(delivery_id: int) -> None:
    from integrations.models import Delivery

    while Delivery.objects.filter(pk=delivery_id, outcome=Delivery.Outcome.PENDING).exists():
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=90, help="timed clicks per mode (≤ 95)")
    parser.add_argument(
        "--database-url", default="", help="an empty database to use; default: a SQLite file"
    )
    args = parser.parse_args()
    clicks = min(args.clicks, 100 - WARMUP)
    with tempfile.TemporaryDirectory() as folder:
        _setup_django(args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        with instant_receiver_process() as url:
            results = _run(clicks, url)
    _report(clicks, results)


def _run(clicks: int, url: str) -> dict[str, list[float]]:
    import requests
    from django.db import connections

    from integrations.models import Delivery
    from integrations.services.deliveries import delivery_start
    from integrations.services.delivery_send import delivery_execute

    results: dict[str, list[float]] = {"bare requests.post": []}  # filled in below
    headers = {"Content-Type": "application/json", "X-Api-Key": "bench"}
    body = b'{"pipeline": "forecast"}'

    def bare_post() -> None:
        requests.post(url, data=body, headers=headers, timeout=10)

    # Back to back the floor reads lower than between clicks (a hot loop keeps the caches and
    # the cores warm): shown for comparison, the ratios use the one taken in turn.
    results["bare requests.post, back to back"] = _timed(clicks, bare_post)

    user, connection, _, _ = _scenario("Service path", url)

    def service_click() -> None:
        delivery = delivery_start(connection=connection, user=user, source="widget", widget_id=1)
        executed = delivery_execute(delivery_id=delivery.pk)
        assert executed is not None
        assert executed.outcome == Delivery.Outcome.SUCCEEDED, executed.detail

    results["service path"] = _timed(clicks, service_click)

    user, connection, _, _ = _scenario("Recording only", url)

    def record_click() -> None:
        delivery = delivery_start(connection=connection, user=user, source="widget", widget_id=1)
        # Finish it without a call, so the next click is not held back as in flight.
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.FINAL, outcome=Delivery.Outcome.SUCCEEDED
        )

    results["delivery_start only"] = _timed(clicks, record_click)

    for mode, inline in (("click view, inline", True), ("click view, worker", False)):
        with _tasks(inline=inline):
            results[mode] = _click_view(mode, clicks, url)
    # The figure the budget is about, taken in turns with its two baselines, so a moment of
    # noise on this shared machine (a slow disk flush, another process) lands on all three.
    beside = {"bare requests.post": bare_post, "trivial signed-in view": _trivial_view(url)}
    with _worker_process():
        results["click view, worker process"] = _click_view(
            "worker process", clicks, url, beside=beside, beside_samples=results
        )
    connections.close_all()
    return results


def _trivial_view(url: str) -> Callable[[], object]:
    import types

    from django.conf import settings
    from django.http import HttpRequest, HttpResponse
    from django.test import Client
    from django.urls import clear_url_caches, include, path

    from workspace.decorators import signed_in

    @signed_in
    def trivial(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"ok {request.user.pk}")

    module = types.ModuleType("bench_click_urls")
    module.__dict__["urlpatterns"] = [
        path("bench-trivial/", trivial),
        path("", include("config.urls")),
    ]
    sys.modules["bench_click_urls"] = module
    settings.ROOT_URLCONF = "bench_click_urls"
    clear_url_caches()
    user, _, _, _ = _scenario("Trivial view", url)
    client = Client()
    client.force_login(user)
    return lambda: client.get("/bench-trivial/")


@contextlib.contextmanager
def _tasks(*, inline: bool):
    """Tasks run in the request (eager), or on a real worker thread through the broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = inline
    if inline:
        yield
        return
    with start_worker(
        app, pool="threads", concurrency=4, perform_ping_check=False, loglevel="WARNING"
    ):
        yield


@contextlib.contextmanager
def _worker_process():
    """The project's worker command as a process of its own, on this run's database and broker
    folder (both in the environment config.settings_test read)."""
    from django.db import connection

    from config.celery import app

    app.conf.task_always_eager = False
    connection.close()  # SQLite: the worker writes the same file
    environment = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
    queue = app.conf.task_default_queue
    worker = subprocess.Popen(  # noqa: S603 (a fixed command: this interpreter, celery, our app)
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "threads",
            "-c",
            "4",
            "-Q",
            queue,
            "-l",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,  # its banner; warnings still reach stderr
    )
    try:
        time.sleep(4)  # until it consumes; a click sent earlier just waits in the queue
        yield
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _click_view(
    mode: str,
    clicks: int,
    url: str,
    *,
    beside: dict[str, Callable[[], object]] | None = None,
    beside_samples: dict[str, list[float]] | None = None,
) -> list[float]:
    """The click's times; with `beside`, each of those actions is timed after every click too,
    into `beside_samples`."""
    from urllib.parse import urlencode

    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from integrations.models import Delivery

    user, _, board, widget = _scenario(mode, url)
    # As a browser sends it: the CSRF check on, and the button's form posted as htmx posts it,
    # urlencoded with its token (the board page set the cookie).
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(reverse("boards:detail", args=[board.pk])).status_code == 200
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    form = urlencode({"csrfmiddlewaretoken": token})
    click_url = reverse("boards:widget_click", args=[board.pk, widget.pk])
    samples = []
    for n in range(WARMUP + clicks):
        started = time.perf_counter()
        response = client.post(
            click_url,
            form,
            content_type="application/x-www-form-urlencoded",
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=token,
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        latest = Delivery.objects.filter(widget_id=widget.pk).latest("created_at", "id")
        _wait_until_final(latest.pk)  # the next click must not meet this one in flight
        latest.refresh_from_db()
        assert latest.outcome == Delivery.Outcome.SUCCEEDED, latest.detail
        if n < WARMUP:
            continue
        samples.append(elapsed)
        if beside:
            # Once the worker has finished with the call (its last steps follow the final
            # state by a moment), so that they are not timed into the baselines either.
            time.sleep(SETTLE)
        for name, action in (beside or {}).items():
            started = time.perf_counter()
            action()
            assert beside_samples is not None
            beside_samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        if beside:
            time.sleep(SETTLE)
    return samples


def _report(clicks: int, results: dict[str, list[float]]) -> None:
    floor = statistics.median(results["bare requests.post"])
    from django.db import connection

    print(
        f"{clicks} timed calls per mode against an instant receiver on 127.0.0.1"
        f" ({connection.vendor})\n"
    )
    trivial = statistics.median(results["trivial signed-in view"])
    print(f"{'mode':<27}{'median ms':>11}{'p95 ms':>9}{'× bare':>9}{'× trivial':>11}")
    for mode, samples in results.items():
        median = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(
            f"{mode:<27}{median:>11.2f}{p95:>9.2f}{median / floor:>9.1f}{median / trivial:>11.1f}"
        )


if __name__ == "__main__":
    main()
