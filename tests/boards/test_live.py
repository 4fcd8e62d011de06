"""Live boards: one watcher checks every open board together, cheaply when nothing changed, and
sends each the new data, layout, availability and its viewer's click outcomes."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.test import AsyncClient
from django.urls import reverse
from django.utils import timezone

from boards.live import Watch, board_live_changes
from boards.models import Widget
from boards.services import widget_create
from boards.stamps import board_change_stamp
from integrations.models import Delivery
from integrations.services.connections import connection_set_enabled
from tests.boards.conftest import (
    add_action,
    add_kpi,
    board_stamp_on_page,
    dataset_import,
    live_check,
)
from workspace.models import ApplicationRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def table(world, dataset):
    return widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=dataset)


@pytest.fixture
def kpi(world, dataset):
    return add_kpi(world, dataset)


def current_stamp(world, persona="victor") -> str:
    return board_stamp_on_page(world.client_for(persona), world.sales_board)


def check(world, since, persona="victor", **kwargs) -> str:
    return live_check(getattr(world, persona), world.sales_board, since, **kwargs)


def test_the_page_opens_its_stream_from_the_stamp_it_was_drawn_with(world, table):
    html = world.client_for("victor").get(reverse("boards:detail", args=[world.sales_board.pk]))
    events = reverse("boards:events", args=[world.sales_board.pk])
    stamp = board_change_stamp(board=world.sales_board)
    assert f'sse-connect="{events}?since={stamp}&amp;at=' in html.content.decode()
    assert 'hx-trigger="every' not in html.content.decode()  # nothing polls


def test_nothing_changed_sends_nothing(world, table, kpi):
    assert check(world, current_stamp(world)) == ""


def test_one_check_costs_the_same_queries_for_one_or_many_open_boards(
    world, table, kpi, django_assert_num_queries
):
    since = current_stamp(world)
    one = [Watch(world.victor.pk, world.sales_board.pk, since, timezone.now())]
    many = [
        Watch(user.pk, board.pk, board_change_stamp(board=board), timezone.now())
        for user in (world.alice, world.erin, world.victor)
        for board in (world.sales_board, world.workforce_board)
        for _ in range(20)
    ]
    # Stamps; boards, first memberships and roles for access; the viewers' clicks.
    with django_assert_num_queries(5):
        assert board_live_changes(one) == []
    with django_assert_num_queries(5):
        board_live_changes(many)


def test_it_sends_the_new_rows_after_an_import(world, dataset, table, kpi):
    since = current_stamp(world)
    dataset_import(dataset, [{"region": "West", "revenue": 999.5}])
    watch = Watch(world.victor.pk, world.sales_board.pk, since, timezone.now())
    [(_, event)] = board_live_changes([watch])
    assert event.name == "change"
    assert "<td>West</td>" in event.data and '<td class="num">999.5</td>' in event.data
    assert ">3,000</p>" in event.data  # the KPI: 1,200.5 + 800 + 999.5
    assert f'<article id="widget-{table.pk}"' in event.data
    assert event.data.count('hx-swap-oob="true"') == 2
    assert event.data.count(" just-changed") == 2  # highlighted for a moment where they land
    assert watch.stamp != since
    # Checked again: nothing more to send.
    assert board_live_changes([watch]) == []


def test_it_leaves_action_buttons_alone_when_only_data_changed(world, dataset, table, connection):
    action = add_action(world.sales_board, connection, button_label="Refresh forecast")
    since = current_stamp(world)
    dataset_import(dataset, [{"region": "West", "revenue": 1}])
    html = check(world, since)
    assert "<td>West</td>" in html
    assert f'id="widget-{action.pk}' not in html
    assert "Refresh forecast" not in html


def test_it_notices_an_import_into_any_dataset_on_the_board(world, make_dataset):
    ahead = make_dataset("Ahead", rows=[{"region": "A", "revenue": 1}], version=5)
    behind = make_dataset("Behind", rows=[{"region": "B", "revenue": 2}], version=1)
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=ahead)
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=behind)
    since = current_stamp(world)
    dataset_import(behind, [{"region": "Fresh", "revenue": 3}])
    assert "<td>Fresh</td>" in check(world, since)


def test_it_ignores_imports_into_datasets_not_on_the_board(world, table, make_dataset):
    elsewhere = make_dataset("Elsewhere")
    since = current_stamp(world)
    dataset_import(elsewhere, [{"region": "X", "revenue": 1}])
    assert check(world, since) == ""


def test_it_redraws_the_whole_grid_when_widgets_change(world, table):
    since = current_stamp(world)
    widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="Just added")
    html = check(world, since)
    assert '<div id="board-grid" class="board-grid" hx-swap-oob="true"' in html
    assert "Just added" in html
    # Viewers get the plain grid, not Edit mode's controls, and no form field with a token.
    assert "Move up" not in html
    assert "csrfmiddlewaretoken" not in html


def test_it_redraws_the_buttons_when_their_connection_is_disabled(world, connection):
    add_action(world.sales_board, connection, button_label="Refresh forecast")
    since = current_stamp(world)
    connection_set_enabled(connection=connection, enabled=False, actor=world.alice)
    html = check(world, since)
    assert 'id="board-grid"' in html
    assert "disabled" in html and 'aria-disabled="true"' in html


def test_it_notices_a_dataset_deleted_from_under_a_widget(world, dataset, table):
    since = current_stamp(world)
    dataset.delete()
    assert "This table's dataset was removed." in check(world, since)


def test_it_sends_everything_for_a_missing_or_garbled_stamp(world, table):
    for since in ("", "garbage"):
        assert 'id="board-grid"' in check(world, since)


def test_it_draws_a_change_once_for_every_viewer(world, dataset, table):
    since = current_stamp(world, "alice")
    assert since == current_stamp(world, "erin") == current_stamp(world, "victor")
    dataset_import(dataset, [{"region": "West", "revenue": 1}])
    watches = [
        Watch(getattr(world, persona).pk, world.sales_board.pk, since, timezone.now())
        for persona in ("alice", "erin", "victor")
    ]
    events = [event for _, event in board_live_changes(watches)]
    assert len(events) == 3
    assert "<td>West</td>" in events[0].data
    # Drawn once: the very same text goes to each of them.
    assert events[0].data is events[1].data is events[2].data


def test_a_viewer_whose_role_is_removed_gets_gone_and_no_data(world, dataset, table):
    since = current_stamp(world)
    ApplicationRole.objects.filter(user=world.victor, application=world.sales).delete()
    dataset_import(dataset, [{"region": "Secret", "revenue": 1}])
    html = check(world, since)
    assert html.startswith("gone")
    assert "You can no longer open this board" in html
    assert "Secret" not in html


def test_a_viewer_made_inactive_gets_gone(world, table):
    since = current_stamp(world)
    world.victor.is_active = False
    world.victor.save()
    assert check(world, since).startswith("gone")


def test_a_deleted_board_is_gone(world, table):
    since = current_stamp(world)
    world.sales_board.delete()
    assert check(world, since).startswith("gone")


def record_click(world, widget, user, **fields) -> Delivery:
    values = {
        "workspace": world.acme,
        "connection_name": "Forecast",
        "host": "hooks.example.com",
        "user": user,
        "source": Delivery.Source.WIDGET,
        "board_id": world.sales_board.pk,
        "widget_id": widget.pk,
        "idempotency_key": uuid.uuid4(),
        "created_at": timezone.now(),
    }
    values.update(fields)
    return Delivery.objects.create(**values)


def test_it_follows_the_viewers_own_click_until_it_ends(world, connection):
    action = add_action(world.sales_board, connection, button_label="Refresh forecast")
    since = current_stamp(world)
    watch = Watch(world.victor.pk, world.sales_board.pk, since, timezone.now())
    click = record_click(world, action, world.victor, state=Delivery.State.WAITING)
    [(_, waiting)] = board_live_changes([watch])
    assert f'<div id="widget-{action.pk}-action" hx-swap-oob="innerHTML">' in waiting.data
    assert "is-working" in waiting.data
    assert board_live_changes([watch]) == []  # already shown

    Delivery.objects.filter(pk=click.pk).update(
        state=Delivery.State.FINAL,
        outcome=Delivery.Outcome.SUCCEEDED,
        http_status=200,
        duration_ms=12,
        detail="Sent · 200 in 12 ms",
        finished_at=timezone.now(),
    )
    # Everyone's "Last run" line moves, and the viewer's own button shows the outcome.
    runs, done = (event for _, event in board_live_changes([watch]))
    assert f'<p id="widget-{action.pk}-last-run"' in runs.data
    assert "Last run by victor at" in runs.data and "· Sent</p>" in runs.data
    assert 'data-testid="action-result"' in done.data
    assert "is-working" not in done.data
    assert board_live_changes([watch]) == []


def test_it_sends_no_one_else_s_clicks_nor_those_that_ended_before_the_page(world, connection):
    action = add_action(world.sales_board, connection, button_label="Refresh forecast")
    opened = timezone.now()
    record_click(world, action, world.erin, state=Delivery.State.WAITING)
    record_click(
        world,
        action,
        world.victor,
        state=Delivery.State.FINAL,
        outcome=Delivery.Outcome.SUCCEEDED,
        created_at=opened - timedelta(minutes=3),
        finished_at=opened - timedelta(minutes=2),
    )
    since = current_stamp(world)  # the page was drawn after that click ended
    assert check(world, since, clicks_since=opened) == ""


def test_everyone_sees_the_last_run_and_it_moves_when_anyone_s_click_ends(world, connection):
    action = add_action(world.sales_board, connection, button_label="Refresh forecast")
    page = world.client_for("victor").get(reverse("boards:detail", args=[world.sales_board.pk]))
    assert "Not run yet" in page.content.decode()
    since = current_stamp(world)
    record_click(
        world,
        action,
        world.erin,
        state=Delivery.State.FINAL,
        outcome=Delivery.Outcome.TIMED_OUT,
        finished_at=timezone.now(),
    )
    html = check(world, since)  # victor's board, erin's click
    assert "Last run by erin at" in html and "· Timed out</p>" in html
    assert "UTC" in html  # times say their time zone
    assert "action-result" not in html  # not victor's click: his button is left alone
    page = world.client_for("alice").get(reverse("boards:detail", args=[world.sales_board.pk]))
    assert "Last run by erin at" in page.content.decode()  # kept across reloads


def run_async(coroutine):
    """asyncio.run in a thread of its own: a browser test in the same worker process may
    already run Playwright's event loop in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def sse_events(body: str) -> list[dict[str, str]]:
    events = []
    for block in body.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            fields[name] = fields[name] + "\n" + value if name in fields else value
        if fields:
            events.append(fields)
    return events


async def first_events(client: AsyncClient, url: str, count: int, **headers) -> list[dict]:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache, no-store"
    body = ""
    stream = aiter(response.streaming_content)  # type: ignore[attr-defined]  # ASGI streaming
    try:
        while len(sse_events(body)) < count:
            chunk = await asyncio.wait_for(anext(stream), timeout=10)
            body += chunk.decode() if isinstance(chunk, bytes) else chunk
    finally:
        await stream.aclose()
    return sse_events(body)[:count]


@pytest.mark.django_db(transaction=True)
def test_the_stream_sends_what_changed_since_the_stamp_it_was_opened_with(world, table, settings):
    settings.LIVE_TICK = 0.05
    client = AsyncClient()
    client.force_login(world.victor)
    url = reverse("boards:events", args=[world.sales_board.pk]) + "?since=0.0.0-0.0.0&at=x"
    retry, change = run_async(first_events(client, url, 2))
    assert retry == {"retry": "1000"}
    assert change["event"] == "change"
    assert 'id="board-grid"' in change["data"]
    stamp, _, moment = change["id"].partition("~")
    assert stamp == board_change_stamp(board=world.sales_board)
    assert float(moment) > 0


@pytest.mark.django_db(transaction=True)
def test_a_reconnecting_stream_resumes_from_the_last_event_id(world, table, settings):
    settings.LIVE_TICK = 0.05
    import boards.views.live as live_view

    settings_keepalive, live_view.KEEPALIVE = live_view.KEEPALIVE, 0.2
    try:
        client = AsyncClient()
        client.force_login(world.victor)
        url = reverse("boards:events", args=[world.sales_board.pk])
        last = f"{board_change_stamp(board=world.sales_board)}~{timezone.now().timestamp()}"
        # Up to date: the next event is the keep-alive, not a redraw.
        _, alive = run_async(first_events(client, url, 2, **{"Last-Event-ID": last}))
    finally:
        live_view.KEEPALIVE = settings_keepalive
    assert alive["event"] == "alive"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("persona", "status"), [("anonymous", 401), ("oscar", 404)])
def test_the_stream_is_refused_to_who_may_not_open_the_board(world, persona, status):
    client = AsyncClient()
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    url = reverse("boards:events", args=[world.sales_board.pk])
    response = run_async(client.get(url))
    assert response.status_code == status


@pytest.mark.django_db(transaction=True)
def test_the_stream_answers_only_get(world):
    client = AsyncClient()
    client.force_login(world.victor)
    url = reverse("boards:events", args=[world.sales_board.pk])
    assert run_async(client.post(url)).status_code == 405


def test_a_garbled_current_url_sends_to_sign_in_rather_than_failing(world):
    url = reverse("boards:detail", args=[world.sales_board.pk])
    headers = {"HX-Request": "true", "HX-Current-URL": "http://[::1"}
    response = world.client_for("anonymous").get(url, headers=headers)
    assert response.status_code == 200
    # Back to the page that was asked for, since the one htmx named cannot be read.
    assert response["HX-Redirect"] == reverse("login") + "?next=" + quote(url)


def test_under_a_wsgi_server_the_stream_answers_no_content_at_once(world):
    # The test client is a WSGI-style client: a stream there would never end.
    response = world.client_for("victor").get(reverse("boards:events", args=[world.sales_board.pk]))
    assert response.status_code == 204
