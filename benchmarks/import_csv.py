"""Import benchmark: push a generated CSV through the real import API, beside its baselines.

    .venv/bin/python benchmarks/import_csv.py [--rows N] [--database-url postgres://…] [--keep]

Runs against a throwaway SQLite database, or the empty database --database-url names (DATABASE_URL
works too). The app runs as in production, in processes of its own: uvicorn serves it on a free
127.0.0.1 port, a Celery worker (threads pool, filesystem broker) sends the clicks and another,
at nice 10, runs the import (the import queue, README "Running on several machines"); an instant
receiver on 127.0.0.1 answers the clicks' calls. In one run it prints:

  import        rows × 5 columns pushed to POST /api/v1/import/push/csv until the import's status
                says succeeded: rows/s end to end, and the worker's run alone
  baseline      PostgreSQL: `psql \\copy` of the same file into an equivalent typed table;
                SQLite: one executemany of the same rows (read with csv) in one transaction
  floor         the imported rows loaded again, as they are stored, straight into the rows table
                (the same plain way): what no importer into this table can beat, parsing aside
  export        GET /api/v1/export/datasets/<id>/csv of the imported rows, when the app has it
  RSS           peak resident set of the server and of the worker, above their idle size
  p95           a click (POST to an Action widget's click URL) and the board page (a Table on the
                imported dataset), idle (before and after) and while the import runs
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import cast

from support import free_port, instant_receiver

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COLUMNS = [
    ("month", "date"),
    ("region", "text"),
    ("product", "text"),
    ("revenue", "number"),
    ("units", "number"),
]
SCENARIOS = 10  # workspaces clicked in turn: each host allows 100 calls an hour per workspace
IDLE_SAMPLES = 60
IMPORT_WORKER_NICE = 10


def generate_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    regions = ["North", "South", "East", "West", "Central"]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([name for name, _ in COLUMNS])
        start = datetime.date(2020, 1, 1)
        for index in range(rows):
            month = start + datetime.timedelta(days=index % 3650)
            writer.writerow(
                [
                    month.isoformat(),
                    regions[index % len(regions)],
                    f"Product {index % 250}",
                    f"{rng.uniform(100, 100_000):.2f}",
                    index % 1000,
                ]
            )


def _rss_mib(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="", help="an empty database; default: SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    database_url = (
        args.database_url
        or os.environ.get("DATABASE_URL")
        or f"sqlite:///{workdir / 'bench.sqlite3'}"
    )
    receiver = instant_receiver()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(workdir / "uploads"),
        "IMPORT_MAX_BYTES": str(2**31),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_DIR": str(workdir / "broker"),
        "OUTBOUND_ALLOWLIST": "127.0.0.1",
        "OUTBOUND_ALLOW_HTTP": "1",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    csv_path = workdir / "bench.csv"
    generate_csv(csv_path, args.rows)
    world = _world(f"http://127.0.0.1:{receiver.server_address[1]}/hooks/run")

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "uvicorn", "config.asgi:application"]
        + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    # As README "Running on several machines" lays a deployment out: the clicks' sends on one
    # worker, imports on another at a lower CPU priority.
    sender = _worker(env, ["--exclude-queues", settings.CELERY_IMPORT_QUEUE])
    worker = _worker(env, ["--queues", settings.CELERY_IMPORT_QUEUE], nice=IMPORT_WORKER_NICE)
    try:
        figures = _measure(args, world, base_url, csv_path, server.pid, worker.pid)
    finally:
        for process in (server, sender, worker):
            process.terminate()
            process.wait(timeout=30)
        receiver.shutdown()
    figures["baseline"] = _baseline(csv_path, database_url)
    figures["floor"] = _floor(workdir, database_url, world["dataset"].pk)
    _report(args.rows, csv_path, figures)
    if args.keep:
        print(f"kept            {workdir}")
    else:
        for path in sorted(workdir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        workdir.rmdir()


def _world(receiver_url: str) -> dict:
    """The dataset and its configuration and keys, and SCENARIOS workspaces each with a signed-in
    admin, a board and an Action widget; the first board also shows the dataset in a Table."""
    from django.contrib.auth.models import User
    from django.test import Client

    from boards.models import Board, Widget
    from datasets.api_key_services import api_key_create
    from datasets.models import ApiKey
    from datasets.services import dataset_create, import_configuration_create
    from integrations.models import Connection
    from workspace.models import Application, Membership, Workspace
    from workspace.services import membership_ensure, user_ensure

    scenarios = []
    for n in range(SCENARIOS):
        workspace = Workspace.objects.create(name=f"Benchmark {time.time_ns()}")
        application = Application.objects.create(workspace=workspace, name="Sales Planning")
        user = user_ensure(username=f"admin-{workspace.pk}", password=f"pw-{time.time_ns()}")
        membership_ensure(workspace=workspace, user=user, role=Membership.Role.ADMIN)
        connection = Connection.objects.create(
            workspace=workspace,
            name="Pipeline",
            url=receiver_url,
            headers="{}",
            body="",
            host="127.0.0.1",
        )
        connection.applications.set([application])
        board = Board.objects.create(application=application, name="Sales Forecast")
        widget = Widget.objects.create(
            board=board, kind=Widget.Kind.ACTION, connection=connection, button_label="Refresh"
        )
        client = Client()
        client.force_login(cast(User, user))
        scenarios.append(
            {"board": board, "widget": widget, "session": client.cookies["sessionid"].value}
        )
        if n == 0:
            first = (workspace, application, board)
    workspace, application, board = first
    dataset = dataset_create(
        workspace=workspace, name="Sales", columns=COLUMNS, applications=[application]
    )
    Widget.objects.create(board=board, kind=Widget.Kind.TABLE, dataset=dataset, position=1)
    configuration = import_configuration_create(
        workspace=workspace, name="Sales push", dataset=dataset, mode="replace"
    )
    keys = {}
    for key_type in (ApiKey.KeyType.IMPORT, ApiKey.KeyType.EXPORT):
        keys[key_type] = api_key_create(
            workspace=workspace,
            name=f"Benchmark {key_type}",
            key_type=key_type,
            expires_on=datetime.date.today() + datetime.timedelta(days=2),
            created_by=None,
        ).secret
    return {
        "dataset": dataset,
        "configuration": configuration,
        "keys": keys,
        "scenarios": scenarios,
    }


class _Sampler:
    """Clicks and board page loads in turn, timed, on a thread of its own until stopped."""

    def __init__(self, base_url: str, scenarios: list[dict]) -> None:
        import requests

        self._base_url = base_url
        self._targets = []
        for scenario in scenarios:
            session = requests.Session()
            session.cookies.set("sessionid", scenario["session"])
            board_url = f"{base_url}/boards/{scenario['board'].pk}/"
            response = session.get(board_url, timeout=30)
            assert response.status_code == 200, response.status_code
            click_url = f"{board_url}widgets/{scenario['widget'].pk}/click/"
            headers = {"HX-Request": "true", "X-CSRFToken": session.cookies["csrftoken"]}
            self._targets.append((session, board_url, click_url, headers))
        self.samples: dict[str, list[float]] = {"click": [], "board": []}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self, *, pairs: int | None = None) -> None:
        """Sample `pairs` times in this thread, or (None) on a thread until `stop()`."""
        if pairs is None:
            self._thread = threading.Thread(target=self._loop, args=(None,))
            self._thread.start()
        else:
            self._loop(pairs)

    def stop(self) -> dict[str, list[float]]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.samples

    def _loop(self, pairs: int | None) -> None:
        n = 0
        while (pairs is None and not self._stop.is_set()) or (pairs is not None and n < pairs):
            session, board_url, click_url, headers = self._targets[n % len(self._targets)]
            started = time.perf_counter()
            response = session.post(click_url, headers=headers, timeout=60)
            self.samples["click"].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            session, board_url, *_ = self._targets[0]  # the board showing the dataset
            started = time.perf_counter()
            response = session.get(board_url, timeout=60)
            self.samples["board"].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            n += 1
            time.sleep(0.02)


def _push_and_wait(base_url: str, world: dict, csv_path: Path) -> dict:
    import requests

    headers = {"Authorization": f"Bearer {world['keys']['import']}", "Content-Type": "text/csv"}
    started = time.perf_counter()
    with csv_path.open("rb") as body:  # a file object: requests streams it
        response = requests.post(
            f"{base_url}/api/v1/import/push/csv",
            params={"configurationId": world["configuration"].pk},
            data=body,
            headers=headers,
            timeout=600,
        )
    received = time.perf_counter()
    assert response.status_code == 202, response.text
    import_id = response.json()["importId"]
    while True:
        polled = requests.get(
            f"{base_url}/api/v1/import/{import_id}/status", headers=headers, timeout=30
        )
        if polled.status_code == 429:  # the API's 500 requests per 5 minutes
            time.sleep(float(polled.headers["Retry-After"]))
            continue
        status = polled.json()
        if status["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    finished = time.perf_counter()
    assert status["status"] == "succeeded", status
    from datasets.models import ImportJob

    job = ImportJob.objects.get(pk=import_id)
    assert job.started_at is not None and job.finished_at is not None
    return {
        "rows": status["rowsImported"],
        "upload": received - started,
        "total": finished - started,
        "run": (job.finished_at - job.started_at).total_seconds(),
    }


def _worker(env: dict, queues: list[str], nice: int = 0) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads"]
    command += ["--concurrency", "4", "--loglevel", "WARNING", "--without-heartbeat", *queues]
    return subprocess.Popen(  # noqa: S603 (our own command line)
        ["nice", "-n", str(nice), *command] if nice else command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # its banner
    )


def _measure(args, world: dict, base_url: str, csv_path: Path, server: int, worker: int) -> dict:
    import requests

    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{base_url}/healthz", timeout=2)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    warmup = csv_path.with_name("warmup.csv")
    generate_csv(warmup, 1000)
    _push_and_wait(base_url, world, warmup)  # the worker is up, both processes warm
    idle = _Sampler(base_url, world["scenarios"])
    idle.run(pairs=IDLE_SAMPLES)
    rss_idle = {"server": _rss_mib(server, "VmRSS"), "worker": _rss_mib(worker, "VmRSS")}
    busy = _Sampler(base_url, world["scenarios"])
    busy.run()
    try:
        imported = _push_and_wait(base_url, world, csv_path)
    finally:
        during = busy.stop()
    assert imported["rows"] == args.rows, imported
    rss_peak = {"server": _rss_mib(server, "VmHWM"), "worker": _rss_mib(worker, "VmHWM")}
    # Idle again, so that a moment of load from elsewhere on the machine weighs less.
    idle.run(pairs=IDLE_SAMPLES)
    return {
        "import": imported,
        "rss_idle": rss_idle,
        "rss_peak": rss_peak,
        "idle": idle.samples,
        "during": during,
        "export": _export(base_url, world),
    }


def _export(base_url: str, world: dict) -> dict | None:
    import requests

    url = f"{base_url}/api/v1/export/datasets/{world['dataset'].pk}/csv"
    headers = {"Authorization": f"Bearer {world['keys']['export']}"}
    started = time.perf_counter()
    with requests.get(url, headers=headers, stream=True, timeout=600) as response:
        if response.status_code == 404 and "json" not in response.headers.get("Content-Type", ""):
            return None  # no export endpoint in this version of the app
        assert response.status_code == 200, response.status_code
        lines = sum(chunk.count(b"\n") for chunk in response.iter_content(1 << 16))
    return {"rows": lines - 1, "seconds": time.perf_counter() - started}


def _baseline(csv_path: Path, database_url: str) -> dict:
    """The same file loaded the fastest plain way the database offers, into an equivalent table
    of typed columns."""
    from django.db import connection

    columns = "month date, region text, product text, revenue numeric, units integer"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_baseline")
        cursor.execute(f"CREATE TABLE bench_baseline ({columns})")
    connection.close()
    if connection.vendor == "postgresql":
        copy = f"\\copy bench_baseline FROM '{csv_path}' WITH (FORMAT csv, HEADER true)"
        started = time.perf_counter()
        subprocess.run(["psql", database_url, "-q", "-c", copy], check=True)  # noqa: S603, S607
        return {"name": "psql \\copy", "seconds": time.perf_counter() - started}
    database = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    database.execute("PRAGMA journal_mode=WAL")
    database.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    with csv_path.open(newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        database.execute("BEGIN")
        database.executemany("INSERT INTO bench_baseline VALUES (?, ?, ?, ?, ?)", rows)
        database.execute("COMMIT")
    seconds = time.perf_counter() - started
    database.close()
    return {"name": "executemany, one transaction", "seconds": seconds}


def _floor(workdir: Path, database_url: str, dataset_id: int) -> dict:
    """The imported rows (JSON text, as stored) loaded again into the rows table, under a
    generation nobody reads, then deleted: the table's own cost per row (indexes, the foreign
    key's check, JSON storage), which the baseline's plain typed table does not pay."""
    from django.db import connection

    from datasets.models import Dataset, DatasetRow

    table = DatasetRow._meta.db_table
    generation = Dataset.objects.get(pk=dataset_id).row_generation
    scratch = generation + 1_000_000
    columns = 'dataset_id, generation, position, "values"'
    if connection.vendor == "postgresql":
        rows_file = workdir / "floor.tsv"
        stored = (
            f'COPY (SELECT dataset_id, {scratch}, position, "values" FROM {table} '  # noqa: S608
            f"WHERE dataset_id = {dataset_id} AND generation = {generation}) TO STDOUT"
        )
        with connection.cursor() as cursor, rows_file.open("wb") as handle:
            with cursor.cursor.copy(stored) as copy:
                for block in copy:
                    handle.write(block)
        connection.close()
        load = f"\\copy {table} ({columns}) FROM '{rows_file}'"
        started = time.perf_counter()
        subprocess.run(["psql", database_url, "-q", "-c", load], check=True)  # noqa: S603, S607
        seconds = time.perf_counter() - started
        name = "psql \\copy of the stored rows into the rows table"
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT position, "values" FROM {table} '  # noqa: S608
                "WHERE dataset_id = %s AND generation = %s",
                (dataset_id, generation),
            )
            rows = [(dataset_id, scratch, position, text) for position, text in cursor.fetchall()]
        connection.close()
        database = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        database.execute("PRAGMA synchronous=NORMAL")  # as the app's connections
        started = time.perf_counter()
        database.execute("BEGIN")
        database.executemany(f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?, ?)", rows)  # noqa: S608
        database.execute("COMMIT")
        seconds = time.perf_counter() - started
        database.close()
        name = "executemany of the stored rows into the rows table"
    DatasetRow.objects.filter(dataset_id=dataset_id, generation=scratch).delete()
    return {"name": name, "seconds": seconds}


def _report(rows: int, csv_path: Path, figures: dict) -> None:
    from django.db import connection

    imported, baseline = figures["import"], figures["baseline"]
    rate = rows / imported["total"]
    base_rate = rows / baseline["seconds"]
    print(f"\ndatabase        {connection.vendor}")
    size = csv_path.stat().st_size / 2**20
    print(f"rows            {rows:,} × {len(COLUMNS)} columns ({size:.1f} MiB of CSV)")
    print(
        f"import          {imported['total']:.1f} s end to end: {rate:,.0f} rows/s "
        f"(upload {imported['upload']:.1f} s; the worker's run {imported['run']:.1f} s, "
        f"{rows / imported['run']:,.0f} rows/s)"
    )
    print(
        f"baseline        {baseline['name']}: {baseline['seconds']:.1f} s, {base_rate:,.0f} rows/s"
        f" → import is {rate / base_rate:.2f}× (goal ≥ 0.6×)"
    )
    floor = figures["floor"]
    floor_rate = rows / floor["seconds"]
    print(
        f"floor           {floor['name']}: {floor['seconds']:.1f} s, {floor_rate:,.0f} rows/s"
        f" ({floor_rate / base_rate:.2f}× the baseline) → import is {rate / floor_rate:.2f}×"
    )
    export = figures["export"]
    if export is None:
        print("export          (no export endpoint)")
    else:
        print(
            f"export          {export['rows']:,} rows in {export['seconds']:.1f} s: "
            f"{export['rows'] / export['seconds']:,.0f} rows/s"
        )
    for process in ("server", "worker"):
        idle, peak = figures["rss_idle"][process], figures["rss_peak"][process]
        print(
            f"RSS {process:<11} idle {idle:.0f} MiB, peak {peak:.0f} MiB: "
            f"+{peak - idle:.0f} MiB (goal < 50)"
        )
    for kind, label in (("click", "click"), ("board", "board page")):
        idle, during = _p95(figures["idle"][kind]), _p95(figures["during"][kind])
        print(
            f"p95 {label:<11} idle {idle:.1f} ms, during the import {during:.1f} ms "
            f"({len(figures['during'][kind])} samples): {during / idle:.1f}× (goal ≤ 2×)"
        )


if __name__ == "__main__":
    main()
