"""Fixtures for board tests: connections, datasets and widgets made straight through the ORM and
the boards services. DNS is the shared `public_dns` fixture (tests/support/resolver.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from boards.live import Watch, board_live_changes
from boards.models import Board, Widget
from boards.services import widget_create
from datasets.models import Dataset, DatasetColumn, DatasetRow
from datasets.services import dataset_stats_recompute
from integrations.models import Connection, Delivery
from tests.support.connections import connection_make
from workspace.models import Application, Workspace

ENDPOINT = "https://api.example.com/forecast/run"
SECRET_HEADER = "Bearer s3cret-header-value"
SECRET_BODY = '{"pipeline": "forecast", "token": "s3cret-body-value"}'


@pytest.fixture
def make_connection(world) -> Callable[..., Connection]:
    """Connections stored straight (tests/support/connections.py), for Sales Planning unless
    told otherwise, sending the secrets above."""

    def make(
        name: str = "Forecast pipeline",
        *,
        workspace: Workspace | None = None,
        applications: list[Application] | None = None,
        enabled: bool = True,
    ) -> Connection:
        return connection_make(
            workspace or world.acme,
            name=name,
            url=ENDPOINT,
            headers={"Authorization": SECRET_HEADER},
            body=SECRET_BODY,
            applications=applications if applications is not None else [world.sales],
            enabled=enabled,
        )

    return make


@pytest.fixture
def connection(make_connection) -> Connection:
    return make_connection()


@pytest.fixture
def make_dataset(world) -> Callable[..., Dataset]:
    def make(
        name: str = "Forecast",
        *,
        workspace: Workspace | None = None,
        columns: list[tuple[str, str]] | None = None,
        rows: list[dict] | None = None,
        version: int = 1,
        applications: list[Application] | None = None,
    ) -> Dataset:
        dataset = Dataset.objects.create(
            workspace=workspace or world.acme,
            name=name,
            version=version,
            updated_at=timezone.now() if rows else None,
        )
        columns = columns if columns is not None else [("region", "text"), ("revenue", "number")]
        for position, (column, kind) in enumerate(columns):
            DatasetColumn.objects.create(dataset=dataset, name=column, kind=kind, position=position)
        for position, values in enumerate(rows or []):
            DatasetRow.objects.create(dataset=dataset, position=position, values=values)
        dataset_stats_recompute(dataset=dataset)
        # Shared with Sales Planning unless told otherwise, as a Workspace Admin would.
        if applications is None:
            applications = [world.sales] if dataset.workspace_id == world.acme.pk else []
        dataset.applications.set(applications)
        return dataset

    return make


@pytest.fixture
def dataset(make_dataset) -> Dataset:
    return make_dataset(
        rows=[
            {"region": "North", "revenue": 1200.5},
            {"region": "South", "revenue": 800},
            {"region": "East", "revenue": None},
        ]
    )


def dataset_import(dataset: Dataset, rows: list[dict]) -> None:
    """What a finished import leaves behind: new rows, a higher version, a new update time."""
    last = dataset.rows.count()
    for offset, values in enumerate(rows):
        DatasetRow.objects.create(dataset=dataset, position=last + offset, values=values)
    dataset_stats_recompute(dataset=dataset)
    Dataset.objects.filter(pk=dataset.pk).update(
        version=dataset.version + 1, updated_at=timezone.now()
    )
    dataset.refresh_from_db()


@pytest.fixture
def action_widget(world, connection) -> Widget:
    return widget_create(
        board=world.sales_board,
        kind=Widget.Kind.ACTION,
        connection=connection,
        button_label="Refresh forecast",
        button_tooltip="Runs the forecast pipeline",
    )


def add_action(board: Board, connection: Connection, **fields) -> Widget:
    return widget_create(board=board, kind=Widget.Kind.ACTION, connection=connection, **fields)


def add_kpi(world, dataset: Dataset, column="revenue", aggregate="sum", **fields) -> Widget:
    return widget_create(
        board=world.sales_board,
        kind=Widget.Kind.KPI,
        dataset=dataset,
        kpi_column=column,
        kpi_aggregate=aggregate,
        **fields,
    )


def delivery_for(widget: Widget, user, **fields) -> Delivery:
    """A finished click on `widget` by `user`, written straight to the log."""
    now = timezone.now()
    connection = widget.connection
    defaults = {
        "workspace": widget.board.application.workspace,
        "connection": connection,
        "connection_name": connection.name,
        "host": connection.host,
        "user": user,
        "board_id": widget.board_id,
        "widget_id": widget.pk,
        "idempotency_key": uuid.uuid4(),
        "outcome": Delivery.Outcome.SUCCEEDED,
        "http_status": 200,
        "duration_ms": 87,
        "detail": "Sent · 200 in 87 ms",
        "response_excerpt": "secret-looking response body",
        "created_at": now,
        "finished_at": now,
    }
    fields = {**defaults, **fields}
    if "state" not in fields:
        pending = fields["outcome"] == Delivery.Outcome.PENDING
        fields["state"] = Delivery.State.WAITING if pending else Delivery.State.FINAL
    return Delivery.objects.create(**fields)


def board_stamp_on_page(client, board: Board) -> str:
    """The stamp an open board's page starts its stream from."""
    html = client.get(reverse("boards:detail", args=[board.pk])).content.decode()
    return unquote(re.search(r"/events/\?since=([^&\"]+)", html).group(1))


def live_check(user, board: Board, since: str, *, clicks_since=None) -> str:
    """What one tick of the live-board watcher sends a board `user` has open at `since`: the
    text of its events joined (change events' HTML; "gone" when access was withdrawn), or ""
    when nothing is to be sent."""
    watch = Watch(user.pk, board.pk, since, clicks_since or timezone.now())
    return "".join(
        "gone" + event.data if event.name == "gone" else event.data
        for _, event in board_live_changes([watch])
    )
