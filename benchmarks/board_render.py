"""What a board costs to render as it grows, against a static page of the same HTML.

Runs standalone: `python benchmarks/board_render.py [--database-url postgres://…]`. It sets up
Django on a throwaway database (a SQLite file by default) and, for boards of 1, 10, 50 and 200
widgets of every kind (Action, Text, Table, KPI; each data widget on a dataset of its own with
30 rows), prints in one run:

  queries         database queries of one board page whose grid is drawn afresh
  drawn ms        median server time of that page (django.test.Client, signed in; the kept
                  grids emptied before each request)
  board ms        median server time of the board page as people mostly get it: unchanged
                  since someone opened it, so its grid is the one kept for its stamp
  static ms       median time of a view that answers the same HTML from memory, through the
                  same middleware and client (it reads no session, so this floor is lower
                  than any signed-in page's)
  ratio           board ms / static ms
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = (1, 10, 50, 200)
SAMPLES = 30


def _setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = database_url
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _board(size: int):
    """A board of `size` widgets of each kind, and a viewer who may open it."""
    from boards.models import Board, Widget
    from datasets.models import Dataset, DatasetColumn, DatasetRow
    from datasets.services import dataset_stats_recompute
    from integrations.models import Connection
    from workspace.models import Application, ApplicationRole, Membership, Workspace
    from workspace.services import application_role_ensure, membership_ensure, user_ensure

    workspace = Workspace.objects.create(name=f"Bench {size}")
    application = Application.objects.create(workspace=workspace, name="Sales Planning")
    board = Board.objects.create(application=application, name="Sales Forecast")
    connection = Connection.objects.create(
        workspace=workspace,
        name="Pipeline",
        url="https://api.example.com/run",
        headers="{}",
        body="",
        host="api.example.com",
    )
    connection.applications.set([application])
    for n in range(size):
        dataset = Dataset.objects.create(workspace=workspace, name=f"Forecast {n}")
        DatasetColumn.objects.create(dataset=dataset, name="region", kind="text", position=0)
        DatasetColumn.objects.create(dataset=dataset, name="revenue", kind="number", position=1)
        DatasetRow.objects.bulk_create(
            DatasetRow(
                dataset=dataset,
                position=row,
                values={"region": f"Region {row}", "revenue": row * 10},
            )
            for row in range(30)
        )
        dataset_stats_recompute(dataset=dataset)
        dataset.applications.set([application])
        for kind, fields in (
            (Widget.Kind.TABLE, {"dataset": dataset}),
            (
                Widget.Kind.KPI,
                {"dataset": dataset, "kpi_column": "revenue", "kpi_aggregate": "sum"},
            ),
            (Widget.Kind.ACTION, {"connection": connection, "button_label": f"Run {n}"}),
            (Widget.Kind.TEXT, {"text": f"Note {n}"}),
        ):
            Widget.objects.create(board=board, kind=kind, position=Widget.objects.count(), **fields)
    user = user_ensure(username=f"viewer-{size}", password=uuid.uuid4().hex)
    membership_ensure(workspace=workspace, user=user, role=Membership.Role.MEMBER)
    application_role_ensure(application=application, user=user, level=ApplicationRole.Level.OPEN)
    return board, user


def _median_ms(action) -> float:
    action()
    samples = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="an empty database; default: SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        _setup_django(args.database_url or f"sqlite:///{folder}/bench.sqlite3")
        _run()


def _run() -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client
    from django.urls import clear_url_caches, include, path, reverse

    static: dict[str, bytes] = {}
    # The static page goes through the same middleware (session, user, security headers).
    module = type(sys)("bench_urls")
    module.__dict__["urlpatterns"] = [
        path("bench-static/", lambda request: HttpResponse(static["html"])),
        path("", include("config.urls")),
    ]
    sys.modules["bench_urls"] = module
    settings.ROOT_URLCONF = "bench_urls"
    clear_url_caches()
    print(f"board page vs a static page of the same HTML ({connection.vendor})\n")
    print(
        f"{'widgets':>8}{'queries':>9}{'drawn ms':>10}{'board ms':>10}{'static ms':>11}{'ratio':>7}"
    )
    for size in SIZES:
        board, user = _board(size)
        client = Client()
        client.force_login(user)
        url = reverse("boards:detail", args=[board.pk])
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        static["html"] = response.content
        assert client.get("/bench-static/").content == response.content

        def drawn_afresh(client=client, url=url) -> None:
            cache.clear()
            client.get(url)

        drawn_ms = _median_ms(drawn_afresh)
        board_ms = _median_ms(lambda: client.get(url))  # noqa: B023
        static_ms = _median_ms(lambda: client.get("/bench-static/"))  # noqa: B023
        print(
            f"{size * 4:>8}{len(queries):>9}{drawn_ms:>10.2f}{board_ms:>10.2f}"
            f"{static_ms:>11.2f}{board_ms / static_ms:>7.1f}"
        )


if __name__ == "__main__":
    main()
