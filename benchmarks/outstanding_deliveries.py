"""A thousand clicks waiting on slow services: how long until all are final, what the board feels
like meanwhile, and what a click costs the request.

Runs standalone: `python benchmarks/outstanding_deliveries.py [--clicks 1000 --hosts 20
--delay 5 --workers 2 --database-url postgres://…]`. It sets up Django on a throwaway database
(a SQLite file by default), starts one receiver per host on 127.0.0.1 that answers after
`--delay` seconds (the names host-N.test resolve to 127.0.0.1 in the workers,
tests/worker_main.py), starts `--workers` real `celery worker` processes, and measures in one run:

  all final            seconds from the first click until every delivery is final; the floor is
                       clicks × delay / (hosts × 2 calls per host at a time)
  board page           p95 of GET of the board while idle, and while the workers send
  click vs bare POST   median server time of a click (the board's click view, through
                       django.test.Client, the call going to the workers) against a bare
                       requests.post to an instant receiver
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django(database_url: str, broker_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_DIR"] = broker_dir
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["OUTBOUND_ALLOWLIST"] = "127.0.0.1"
    os.environ["OUTBOUND_ALLOW_HTTP"] = "1"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _scenario(hosts: list[tuple[str, int]], users: int):
    """One board with an Action widget per host; `users` viewers who may click them all."""
    from boards.models import Board, Widget
    from integrations.models import Connection
    from workspace.models import Application, ApplicationRole, Membership, Workspace
    from workspace.services import application_role_ensure, membership_ensure, user_ensure

    workspace = Workspace.objects.create(name="Bench")
    application = Application.objects.create(workspace=workspace, name="Sales Planning")
    board = Board.objects.create(application=application, name="Sales Forecast")
    widgets = []
    for name, port in hosts:
        connection = Connection.objects.create(
            workspace=workspace,
            name=f"Pipeline {name}",
            url=f"http://{name}:{port}/run",
            headers='{"X-Api-Key": "bench"}',
            body='{"pipeline": "forecast"}',
            host=name,
        )
        connection.applications.set([application])
        widgets.append(
            Widget.objects.create(
                board=board, kind=Widget.Kind.ACTION, connection=connection, button_label=name
            )
        )
    people = []
    for n in range(users):
        user = user_ensure(username=f"viewer-{n}", password=uuid.uuid4().hex)
        membership_ensure(workspace=workspace, user=user, role=Membership.Role.MEMBER)
        application_role_ensure(
            application=application, user=user, level=ApplicationRole.Level.OPEN
        )
        people.append(user)
    return board, widgets, people


def _start_workers(count: int, concurrency: int, fake_dns: dict) -> list[subprocess.Popen]:
    from tests.celery_worker import worker_command

    env = {**os.environ, "TEST_FAKE_DNS": json.dumps(fake_dns)}
    workers = []
    for n in range(count):
        command = worker_command(
            concurrency=concurrency, hostname=f"bench-{n}@%h", loglevel="WARNING"
        )
        workers.append(
            subprocess.Popen(  # noqa: S603 (our own command line)
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
    return workers


def _p95(samples: Sequence[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _board_times(client, url: str, stop: threading.Event, limit: int) -> list[float]:
    samples: list[float] = []
    while not stop.is_set() and len(samples) < limit:
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        time.sleep(0.05)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--delay", type=float, default=5.0, help="seconds each receiver waits")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=24, help="threads per worker")
    parser.add_argument("--database-url", default="", help="default: a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        _setup_django(database_url, str(Path(folder) / "broker"))
        _run(args)


def _run(args: argparse.Namespace) -> None:
    import requests
    from django.db import connections
    from django.test import Client
    from django.urls import reverse

    from integrations.models import Delivery
    from tests.integrations.delivery_support import serve

    receivers = [serve(delay=args.delay) for _ in range(args.hosts)]
    instant = serve()
    names = [(f"host-{n}.test", server.port) for n, server in enumerate(receivers)]
    users = -(-args.clicks // args.hosts)  # each user clicks each host's button once
    board, widgets, people = _scenario(names, users)
    board_url = reverse("boards:detail", args=[board.pk])
    watcher = Client()
    watcher.force_login(people[0])

    bare = []
    for _ in range(100):
        started = time.perf_counter()
        requests.post(f"http://127.0.0.1:{instant.port}/run", data=b"{}", timeout=10)
        bare.append((time.perf_counter() - started) * 1000)
    idle_board = _board_times(watcher, board_url, threading.Event(), limit=100)

    workers = _start_workers(
        args.workers, args.concurrency, {name: ["127.0.0.1"] for name, _ in names}
    )
    try:
        time.sleep(5)  # the workers connect to the broker
        stop = threading.Event()
        busy_board: list[float] = []

        def watch() -> None:
            watch_client = Client()
            watch_client.force_login(people[0])
            busy_board.extend(_board_times(watch_client, board_url, stop, limit=10**6))
            connections.close_all()

        watching = threading.Thread(target=watch)
        click_times = []
        started_all = time.monotonic()
        watching.start()
        clicks = 0
        for user in people:
            client = Client()
            client.force_login(user)
            for widget in widgets:
                if clicks == args.clicks:
                    break
                url = reverse("boards:widget_click", args=[board.pk, widget.pk])
                started = time.perf_counter()
                response = client.post(url, HTTP_HX_REQUEST="true")
                click_times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
                clicks += 1
        unfinished = Delivery.objects.exclude(state=Delivery.State.FINAL)
        while unfinished.exists():
            time.sleep(0.5)
        all_final = time.monotonic() - started_all
        stop.set()
        watching.join()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    outcomes = dict(Delivery.objects.values_list("outcome").order_by().annotate(n=models_count()))
    most_at_once = max(server.most_at_once for server in receivers)
    gaps = _slot_gaps()
    for server in (*receivers, instant):
        server.shutdown()
    _report(args, all_final, bare, idle_board, busy_board, click_times, outcomes, most_at_once)
    print(
        f"slot idle between one send's end and the next claim on its host: median "
        f"{statistics.median(gaps):.0f} ms, p95 {_p95(gaps):.0f} ms"
    )
    from integrations.models import Delivery

    durations = [d for d in Delivery.objects.values_list("duration_ms", flat=True) if d]
    print(
        f"send duration as the worker measured it: median {statistics.median(durations):.0f} ms,"
        f" p95 {_p95(durations):.0f} ms"
    )


def _slot_gaps() -> list[float]:
    """For each host, ms from each send's end to the claim that took its slot next."""
    from integrations.models import Delivery

    rows = Delivery.objects.values_list("host", "sending_started_at", "finished_at")
    by_host: dict[str, list] = {}
    for host, started, finished in rows:
        by_host.setdefault(host, []).append((started, finished))
    gaps = []
    for sends in by_host.values():
        starts = sorted(started for started, _ in sends)
        ends = sorted(finished for _, finished in sends)
        # The (i + 2)-th claim of a host uses the slot the i-th finished send freed.
        for end, start in zip(ends, starts[2:], strict=False):
            gaps.append(max(0.0, (start - end).total_seconds() * 1000))
    return gaps


def models_count():
    from django.db.models import Count

    return Count("id")


def _report(args, all_final, bare, idle_board, busy_board, click_times, outcomes, most) -> None:
    from django.db import connection

    floor = args.clicks * args.delay / (args.hosts * 2)
    bare_median = statistics.median(bare)
    click_median = statistics.median(click_times)
    print(
        f"{args.clicks} clicks over {args.hosts} hosts answering after {args.delay:g} s, "
        f"{args.workers} workers × {args.concurrency} threads, {connection.vendor}\n"
    )
    print(f"{'figure':<34}{'measured':>12}{'baseline':>12}{'ratio':>8}")
    print(
        f"{'all final (s) vs floor':<34}{all_final:>12.1f}{floor:>12.1f}{all_final / floor:>8.2f}"
    )
    idle, busy = _p95(idle_board), _p95(busy_board)
    print(f"{'board p95 (ms) busy vs idle':<34}{busy:>12.1f}{idle:>12.1f}{busy / idle:>8.2f}")
    print(
        f"{'click median (ms) vs bare POST':<34}{click_median:>12.2f}{bare_median:>12.2f}"
        f"{click_median / bare_median:>8.2f}"
    )
    print(
        f"\nclick p95 {_p95(click_times):.1f} ms; board samples idle {len(idle_board)}, busy "
        f"{len(busy_board)}; most requests at once at one receiver: {most}"
    )
    print("outcomes:", ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
