"""Import benchmark: push a generated CSV through the real import API and measure it.

    .venv/bin/python benchmarks/import_csv.py [--rows 100000] [--keep]

Runs against a throwaway SQLite database (or DATABASE_URL if set), serves the app on a free
127.0.0.1 port, streams the file with `requests`, then runs the import as a Celery worker would
(the service its task calls, `import_job_run`) in this process, so its memory is measured too.
Prints rows per second and peak memory: tracemalloc's peak (Python allocations during the run,
server and client together) and the growth of the process's peak resident set size.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    regions = ["North", "South", "East", "West", "Central"]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", "region", "product", "revenue"])
        start = datetime.date(2020, 1, 1)
        for index in range(rows):
            month = start + datetime.timedelta(days=index % 3650)
            writer.writerow(
                [
                    month.isoformat(),
                    regions[index % len(regions)],
                    f"Product {index % 250}",
                    f"{rng.uniform(100, 100_000):.2f}",
                ]
            )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("MEDIA_ROOT", str(workdir / "uploads"))
    # The push only queues its job, on a broker folder of this run that nothing consumes.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    os.environ["CELERY_BROKER_DIR"] = str(workdir / "broker")

    import django

    django.setup()

    import requests
    from django.conf import settings
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    from datasets.import_runner import import_job_run
    from datasets.services import dataset_create, import_configuration_create
    from integrations.models import ApiKey
    from integrations.services.api_keys import api_key_create
    from workspace.models import Workspace

    call_command("migrate", verbosity=0)
    workspace, _ = Workspace.objects.get_or_create(name="Benchmark")
    dataset = dataset_create(
        workspace=workspace,
        name=f"Sales {time.time_ns()}",
        columns=[("month", "date"), ("region", "text"), ("product", "text"), ("revenue", "number")],
    )
    configuration = import_configuration_create(
        workspace=workspace, name=dataset.name, dataset=dataset, mode="replace"
    )
    secret = api_key_create(
        workspace=workspace,
        name=dataset.name,
        key_type=ApiKey.KeyType.IMPORT,
        expires_on=datetime.date.today() + datetime.timedelta(days=2),
        created_by=None,
    ).secret

    csv_path = workdir / "bench.csv"
    generate_csv(csv_path, args.rows)
    size_mib = csv_path.stat().st_size / 2**20

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "text/csv"}

    def push_once(*, trace: bool) -> dict:
        rss_before = peak_rss_mib()
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        with csv_path.open("rb") as body:  # a file object: requests streams it
            response = requests.post(
                f"{base_url}/api/v1/import/push/csv",
                params={"configurationId": configuration.pk},
                data=body,
                headers=headers,
                timeout=600,
            )
        received = time.perf_counter()
        assert response.status_code == 202, response.text
        import_job_run(job_id=uuid.UUID(response.json()["importId"]))
        finished = time.perf_counter()
        traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        status = requests.get(
            f"{base_url}/api/v1/import/{response.json()['importId']}/status",
            headers=headers,
            timeout=30,
        ).json()
        assert status["status"] == "succeeded", status
        assert status["rowsImported"] == args.rows
        return {
            "upload": received - started,
            "import": finished - received,
            "total": finished - started,
            "traced_peak": traced_peak / 2**20,
            "rss_growth": peak_rss_mib() - rss_before,
        }

    # Timed without tracemalloc (it slows allocation-heavy code several times over), then
    # again under tracemalloc for the memory figure; the second run replaces the first's rows.
    timed = push_once(trace=False)
    traced = push_once(trace=True)
    server.shutdown()

    print(f"database        {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"rows            {args.rows:,} ({size_mib:.1f} MiB of CSV)")
    print(f"upload (202)    {timed['upload']:.2f} s")
    print(f"import          {timed['import']:.2f} s")
    print(f"throughput      {args.rows / timed['total']:,.0f} rows/s end to end")
    print(f"RSS             peak grew {timed['rss_growth']:.1f} MiB over the first import")
    print(
        f"tracemalloc     peak {traced['traced_peak']:.1f} MiB "
        f"(replace run: {args.rows / traced['total']:,.0f} rows/s under tracing)"
    )
    if args.keep:
        print(f"kept            {workdir}")
    else:
        for path in sorted(workdir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        workdir.rmdir()


if __name__ == "__main__":
    main()
