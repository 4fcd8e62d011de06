"""How many open boards one server process (one core) keeps live, and how fresh they stay.

Runs standalone: `python benchmarks/open_boards.py [--boards 1000] [--database-url URL]`. It
sets up a throwaway database (SQLite by default), a board with a Table and a KPI widget on one
dataset and --viewers people who may open it, then starts the ASGI application under uvicorn
as ONE process (so one core) and, in one run:

  streams          opens --boards event streams (each an open board), spread over the viewers,
                   and measures the server's CPU while nothing changes
  freshness        pushes --imports CSV imports through the real importer, one every 3 s, and
                   times, for every open board, import committed → its "change" event arrived
  polling baseline what the design this replaced would sustain on the same server: closed-loop
                   requests per second to a trivial signed-in page (every open board asked once
                   a second, so that figure is the number of boards it could keep fresh)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from support import free_port, serving

ROOT = Path(__file__).resolve().parent.parent
IMPORT_EVERY = 3.0  # seconds between imports: every board must have caught up before the next
OPEN_BATCH = 50  # streams opened every 100 ms
SERVER_CORE = 0  # the server runs on this core alone; the streams' client and imports elsewhere


def _setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = database_url
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _world(viewers: int):
    """A board with a Table and a KPI over one dataset, and the viewers' session cookies."""
    from django.test import Client

    from boards.models import Board, Widget
    from boards.services import widget_create
    from datasets.services import dataset_create, import_configuration_create
    from workspace.models import Application, Workspace
    from workspace.services import application_role_ensure, membership_ensure, user_ensure

    workspace = Workspace.objects.create(name="Bench")
    application = Application.objects.create(workspace=workspace, name="Planning")
    board = Board.objects.create(application=application, name="Forecast")
    dataset = dataset_create(
        workspace=workspace,
        name="Forecast",
        columns=[("region", "text"), ("revenue", "number")],
        applications=[application],
    )
    widget_create(board=board, kind=Widget.Kind.TABLE, dataset=dataset)
    widget_create(
        board=board,
        kind=Widget.Kind.KPI,
        dataset=dataset,
        kpi_column="revenue",
        kpi_aggregate=Widget.Aggregate.SUM,
    )
    configuration = import_configuration_create(
        workspace=workspace, name="Push", dataset=dataset, mode="replace"
    )
    cookies = []
    for number in range(viewers):
        user = user_ensure(username=f"viewer{number}", password="bench-only-password")  # noqa: S106
        membership_ensure(user=user, workspace=workspace, role="member")
        application_role_ensure(user=user, application=application, level="open")
        client = Client()
        client.force_login(user)  # type: ignore[arg-type]  # user_ensure's wider type
        cookies.append(client.cookies["sessionid"].value)
    return board, configuration, cookies


def _import(configuration, number: int) -> None:
    from datasets.importer import dataset_rows_import

    body = "region,revenue\n" + "".join(f"Region {i},{number * 100 + i}\n" for i in range(20))
    dataset_rows_import(configuration=configuration, csv_file=io.BytesIO(body.encode()))


@contextlib.contextmanager
def _server(database_url: str):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "ERROR",  # the baseline's 404s would each write a warning
    }
    command = [
        str(Path(sys.executable).parent / "uvicorn"),
        "config.asgi:application",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "1",
        "--backlog",
        "4096",
    ]
    # Pinned to one core: the figure is per core, whatever threads the process runs.
    pinned = {"preexec_fn": lambda: os.sched_setaffinity(0, {SERVER_CORE})}
    with serving(command, port=port, cwd=ROOT, env=env, **pinned) as process:
        yield process, port


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Streams:
    """N open boards: raw HTTP/1.1 connections reading their event stream."""

    def __init__(self, port: int, board_id: int, cookies: list[str], count: int) -> None:
        self.port, self.board_id, self.cookies, self.count = port, board_id, cookies, count
        self.arrivals: list[list[float]] = [[] for _ in range(count)]
        self.open_seconds = 0.0
        self.opened = 0
        self.refused = 0  # answers other than 200 (each retried a second later)

    async def run(self, stop: asyncio.Event) -> None:
        # People open a board over a few seconds, not in one instant: a batch every 100 ms.
        tasks = []
        for first in range(0, self.count, OPEN_BATCH):
            for index in range(first, min(first + OPEN_BATCH, self.count)):
                tasks.append(asyncio.create_task(self._one(index, stop)))
            await asyncio.sleep(0.1)
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self, index: int, stop: asyncio.Event) -> None:
        """One open board: connect, and as a browser's EventSource does, try again a second
        later whenever the server refuses (503 busy) or the connection drops."""
        cookie = self.cookies[index % len(self.cookies)]
        counted = False
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(1)
                continue
            path = f"/boards/{self.board_id}/events/?since=&at={time.time()}"
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                f"Cookie: sessionid={cookie}\r\n\r\n".encode()
            )
            try:
                await writer.drain()
                status = await reader.readline()
                if b" 200 " not in status:
                    self.refused += 1
                    await asyncio.sleep(1)
                    continue
                if not counted:
                    counted = True
                    self.opened += 1
                while not stop.is_set():
                    line = await reader.readline()
                    if not line:
                        break
                    if line.startswith(b"event: change"):
                        self.arrivals[index].append(time.monotonic())
            except OSError:
                await asyncio.sleep(1)
            finally:
                writer.close()


def _measure_streams(pid: int, port: int, board, configuration, cookies, boards: int, imports: int):
    """Open the streams, wait for them all, then import; returns the streams, the imports'
    times and the server's CPU seconds over the import phase alone."""
    streams = _Streams(port, board.pk, cookies, boards)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(streams.run(stop),))
    thread.start()
    started = time.monotonic()
    while streams.opened < boards and time.monotonic() < started + 120:
        time.sleep(0.2)
    streams.open_seconds = time.monotonic() - started
    time.sleep(IMPORT_EVERY)  # the first tick sends each stream the whole grid ("since" empty)
    cpu_before = _cpu_seconds(pid)
    imported_at = []
    for number in range(imports):
        _import(configuration, number + 1)
        imported_at.append(time.monotonic())
        time.sleep(IMPORT_EVERY)
    cpu = _cpu_seconds(pid) - cpu_before
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=30)
    return streams, imported_at, cpu


def _freshness(streams: _Streams, imported_at: list[float]) -> tuple[list[float], int]:
    """Per board and import: seconds from the import to the first change event after it."""
    delays, missed = [], 0
    for arrivals in streams.arrivals:
        for started in imported_at:
            after = [moment for moment in arrivals if moment >= started]
            if after and after[0] - started < IMPORT_EVERY:
                delays.append(after[0] - started)
            else:
                missed += 1
    return delays, missed


def _polling_baseline(port: int, board_id: int, cookie: str, seconds: float = 5.0) -> float:
    """Requests per second a closed loop of 8 keep-alive clients gets from a signed-in page
    that answers 404 at once (the cheapest signed-in answer the server gives)."""
    import http.client

    done = 0
    ends = time.monotonic() + seconds
    lock = threading.Lock()

    def client() -> None:
        nonlocal done
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        count = 0
        while time.monotonic() < ends:
            connection.request(
                "GET", "/boards/999999999/", headers={"Cookie": f"sessionid={cookie}"}
            )
            connection.getresponse().read()
            count += 1
        with lock:
            done += count

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=1000)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--imports", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    others = os.sched_getaffinity(0) - {SERVER_CORE}
    if others:
        os.sched_setaffinity(0, others)
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        _setup_django(database_url)
        from django.db import connection

        board, configuration, cookies = _world(args.viewers)
        vendor = connection.vendor
        with _server(database_url) as (process, port):
            baseline = _polling_baseline(port, board.pk, cookies[0])
            streams, imported_at, cpu = _measure_streams(
                process.pid, port, board, configuration, cookies, args.boards, args.imports
            )
        delays, missed = _freshness(streams, imported_at)
    elapsed = IMPORT_EVERY * args.imports
    print(f"open boards per core, {vendor}, one uvicorn process")
    print(
        f"  streams open        {streams.opened} of {args.boards} after "
        f"{streams.open_seconds:.1f} s ({streams.refused} answers 503 busy, retried)"
    )
    print(
        f"  server CPU          {cpu / elapsed:.0%} of its one core while boards followed "
        f"{args.imports} imports over {elapsed:.0f} s"
    )
    if delays:
        ordered = sorted(delays)
        p95 = ordered[int(len(ordered) * 0.95) - 1] if len(ordered) > 1 else ordered[0]
        print(
            f"  freshness           p50 {statistics.median(delays) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms "
            f"({len(delays)} updates, {missed} missed)"
        )
    print(f"  polling baseline    {baseline:.0f} requests/s = boards kept fresh at 1 check/s")
    print(f"  ratio               {streams.opened / max(baseline, 1):.1f}x the boards polling kept")


if __name__ == "__main__":
    main()
