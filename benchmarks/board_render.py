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

then the same boards and static pages over HTTP from a uvicorn process of its own, as a browser
gets them (the board's grid kept, as above): the request written and the whole answer read over
one kept-alive connection, so the figures include what the server and the network stack add to
every page. Beside them, the floor of any signed-in page: the same HTML answered from memory once
the session and the user are read (signed-in ms; its ratio to the static page, then the board's
to it). The three are requested in turn, so noise on a shared machine lands on all of them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path

from support import free_port, serving

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = (1, 10, 50, 200)
SAMPLES = 30
HTTP_SAMPLES = 100


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
    timings = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _medians_in_turn(*actions) -> list[float]:
    """The median time of each action, the actions run one after another HTTP_SAMPLES times."""
    for action in actions:
        action()
    timings: list[list[float]] = [[] for _ in actions]
    for _ in range(HTTP_SAMPLES):
        for action, taken in zip(actions, timings, strict=True):
            started = time.perf_counter()
            action()
            taken.append((time.perf_counter() - started) * 1000)
    return [statistics.median(taken) for taken in timings]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="an empty database; default: SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        os.environ["BENCH_STATIC_DIR"] = folder  # where the static pages are kept
        _setup_django(database_url)
        from django.db import connection

        boards = [(size, *_board(size)) for size in SIZES]
        print(f"board page vs a static page of the same HTML ({connection.vendor})\n")
        _in_process(boards, Path(folder))
        connection.close()  # SQLite: the server reads the same file
        _over_http(boards, database_url)


def _in_process(boards, folder: Path) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.urls import clear_url_caches, reverse

    # The static page goes through the same middleware (session, user, security headers).
    settings.ROOT_URLCONF = "static_page_urls"
    clear_url_caches()
    print("in this process (django.test.Client):")
    print(
        f"{'widgets':>8}{'queries':>9}{'drawn ms':>10}{'board ms':>10}{'static ms':>11}{'ratio':>7}"
    )
    for size, board, user in boards:
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
        (folder / f"{size}.html").write_bytes(response.content)
        static_url = f"/bench-static/{size}/"
        assert client.get(static_url).content == response.content

        def drawn_afresh(client=client, url=url) -> None:
            cache.clear()
            client.get(url)

        drawn_ms = _median_ms(drawn_afresh)
        board_ms = _median_ms(lambda: client.get(url))  # noqa: B023
        static_ms = _median_ms(lambda: client.get(static_url))  # noqa: B023
        print(
            f"{size * 4:>8}{len(queries):>9}{drawn_ms:>10.2f}{board_ms:>10.2f}"
            f"{static_ms:>11.2f}{board_ms / static_ms:>7.1f}"
        )


def _over_http(boards, database_url: str) -> None:
    """The same pages from a uvicorn process, as a browser gets them: request written, whole
    answer read, over one kept-alive connection."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    print("\nover HTTP from uvicorn (one process, production settings otherwise):")
    print(
        f"{'widgets':>8}{'board ms':>10}{'static ms':>11}{'ratio':>7}"
        f"{'signed-in ms':>15}{'÷ static':>9}{'board ÷':>10}"
    )
    with _server(database_url) as port:
        for size, board, user in boards:
            client = Client()
            client.force_login(user)
            name = settings.SESSION_COOKIE_NAME
            cookie = f"{name}={client.cookies[name].value}"
            http = HTTPConnection("127.0.0.1", port, timeout=30)
            url = reverse("boards:detail", args=[board.pk])

            def get(path: str, http=http, cookie=cookie) -> bytes:
                http.request("GET", path, headers={"Cookie": cookie})
                answer = http.getresponse()
                body = answer.read()
                assert answer.status == 200, (path, answer.status)
                return body

            page, static = get(url), get(f"/bench-static/{size}/")
            # The same HTML but for the CSRF token each page is drawn with.
            assert abs(len(page) - len(static)) < 100, (len(page), len(static))
            # Taken in turns, so a moment of noise on this shared machine lands on both.
            board, signed, static_ = _medians_in_turn(
                lambda: get(url),  # noqa: B023
                lambda: get(f"/bench-signed-in/{size}/"),  # noqa: B023
                lambda: get(f"/bench-static/{size}/"),  # noqa: B023
            )
            http.close()
            print(
                f"{size * 4:>8}{board:>10.2f}{static_:>11.2f}{board / static_:>7.1f}"
                f"{signed:>15.2f}{signed / static_:>9.1f}{board / signed:>10.1f}"
            )


@contextlib.contextmanager
def _server(database_url: str) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "static_page_settings",
        "DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "benchmarks"), str(ROOT)]),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    with serving(command, port=port, cwd=ROOT, env=env):
        yield port


if __name__ == "__main__":
    main()
