"""Open boards, kept live: one watcher per server process tells every open board what changed.

Each open board holds one server-sent-events stream (boards/views/live.py). Instead of every
stream asking the database, one watcher asks for all of them together every LIVE_TICK seconds,
in a handful of queries whatever the number of open boards: their stamps, who may still open
them, and which of their viewers' clicks have finished. A change is drawn once per board and
the same text goes to every stream watching it (no viewer's name or token is in it: htmx sends
the CSRF token as a header); only a finished click is drawn for the viewer who made it.

The database stays the only source of truth, so the watcher needs no message bus: imports,
layout changes and clicks finished on other machines reach it through their rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http import Http404
from django.template.loader import render_to_string

from boards.models import Board, Widget
from boards.selectors import board_cards, click_state_context, widget_card_get
from boards.stamps import board_stamps, boards_openable_among, stamp_changes
from integrations.services import ClickStatus, click_statuses

logger = logging.getLogger(__name__)

# A click recorded final this close before a stream's cursor is still sent: clocks of the
# machines that record outcomes are not exactly the web server's.
CLOCK_SLACK = timedelta(seconds=1)


# What is drawn for the stream goes to many viewers, so no form in it carries a CSRF field
# (`streamed` leaves it out): htmx sends the page's own token as a header (base.html).
SHARED = {"streamed": True}


@dataclass(frozen=True)
class LiveEvent:
    name: str  # "change" (swap what it carries), "gone" (the viewer lost the board), "alive"
    data: str


@dataclass(eq=False)
class Watch:
    """One open board: whose it is, the stamp it shows, and since when it follows clicks."""

    user_id: int
    board_id: int
    stamp: str
    clicks_since: datetime
    events: asyncio.Queue[LiveEvent] = field(default_factory=asyncio.Queue)
    clicks_shown: dict[int, str] = field(default_factory=dict)  # delivery id → state shown


def live_tick() -> float:
    return float(getattr(settings, "LIVE_TICK", 0.5))


class BoardWatcher:
    """The watches of one event loop, and the task that checks them every tick."""

    def __init__(self) -> None:
        self._watches: set[Watch] = set()
        self._task: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def watching(
        self, *, user_id: int, board_id: int, stamp: str, clicks_since: datetime
    ) -> AsyncIterator[Watch]:
        watch = Watch(user_id, board_id, stamp, clicks_since)
        self._watches.add(watch)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        try:
            yield watch
        finally:
            self._watches.discard(watch)

    async def _run(self) -> None:
        while self._watches:
            await asyncio.sleep(live_tick())
            watches = list(self._watches)
            if not watches:
                break
            try:
                found = await sync_to_async(_check, thread_sensitive=False)(watches)
            except Exception:
                # The next tick tries again; a stream is never ended by a failed check.
                logger.exception("Checking open boards for changes failed")
                continue
            for watch, event in found:
                watch.events.put_nowait(event)


_watchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BoardWatcher] = (
    weakref.WeakKeyDictionary()
)


def board_watcher() -> BoardWatcher:
    """The watcher of the running event loop (a server process has one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _watchers:
        _watchers[loop] = BoardWatcher()
    return _watchers[loop]


def _check(watches: list[Watch]) -> list[tuple[Watch, LiveEvent]]:
    """One tick, in a worker thread: what each watch must be sent."""
    close_old_connections()
    try:
        return board_live_changes(watches)
    finally:
        close_old_connections()


def board_live_changes(watches: list[Watch]) -> list[tuple[Watch, LiveEvent]]:
    """What each open board must be sent now, found for all of them together."""
    board_ids = {watch.board_id for watch in watches}
    stamps = board_stamps(board_ids=board_ids)
    openable = boards_openable_among(viewers={(w.user_id, w.board_id) for w in watches})
    clicks = click_statuses(
        board_ids=board_ids,
        user_ids={watch.user_id for watch in watches},
        finished_since=min(watch.clicks_since for watch in watches) - CLOCK_SLACK,
    )
    boards = {board.pk: board for board in _boards_to_draw(watches, stamps, openable, clicks)}
    drawn: dict[tuple[int, str, frozenset[str]], str] = {}
    found: list[tuple[Watch, LiveEvent]] = []
    for watch in watches:
        stamp = stamps.get(watch.board_id)
        if stamp is None or (watch.user_id, watch.board_id) not in openable:
            found.append((watch, LiveEvent("gone", render_to_string("boards/live_gone.html"))))
            continue
        if stamp != watch.stamp:
            changes = frozenset(stamp_changes(since=watch.stamp, stamp=stamp))
            key = (watch.board_id, stamp, changes)
            if key not in drawn:
                drawn[key] = board_change_html(board=boards[watch.board_id], changes=changes)
            found.append((watch, LiveEvent("change", drawn[key])))
            watch.stamp = stamp
        for click in clicks:
            if _is_for(click, watch):
                watch.clicks_shown[click.status.delivery_id] = click.status.state
                html = click_state_html(board=boards[watch.board_id], click=click)
                if html:
                    found.append((watch, LiveEvent("change", html)))
    return found


def _is_for(click: ClickStatus, watch: Watch) -> bool:
    """Whether this viewer's board is yet to show where this click of theirs stands now."""
    return (
        click.user_id == watch.user_id
        and click.board_id == watch.board_id
        and watch.clicks_shown.get(click.status.delivery_id) != click.status.state
    )


def _boards_to_draw(
    watches: list[Watch],
    stamps: dict[int, str],
    openable: set[tuple[int, int]],
    clicks: list[ClickStatus],
) -> list[Board]:
    """The boards something will be drawn for this tick, fetched in one query."""
    ids = {
        watch.board_id
        for watch in watches
        if (watch.user_id, watch.board_id) in openable
        and watch.board_id in stamps
        and (stamps[watch.board_id] != watch.stamp or any(_is_for(c, watch) for c in clicks))
    }
    if not ids:
        return []
    return list(Board.objects.select_related("application__workspace").filter(pk__in=ids))


def board_change_html(*, board: Board, changes: frozenset[str]) -> str:
    """What an open board swaps in when its stamp moved (boards/stamps.py stamp_changes): the
    whole grid when widgets or their connections changed; else the data widgets when data
    arrived, and the Action widgets' last-run lines when a click ended. A button showing
    "Sending…" or a confirmation keeps its state in the last two cases."""
    if "layout" in changes:
        cards = board_cards(board=board)
        context = {"board": board, "cards": cards, "layout_changed": True, **SHARED}
        return render_to_string("boards/live_change.html", context)
    parts = []
    if "data" in changes:
        cards = board_cards(board=board, data_only=True)
        context = {"board": board, "cards": cards, "layout_changed": False, **SHARED}
        parts.append(render_to_string("boards/live_change.html", context))
    if "runs" in changes:
        cards = board_cards(board=board, actions_only=True)
        parts.append(render_to_string("boards/live_runs.html", {"board": board, "cards": cards}))
    return "".join(parts)


def click_state_html(*, board: Board, click: ClickStatus) -> str:
    """The Action widget showing where its viewer's click stands (waiting, sending, or how it
    ended), swapped into its region; nothing when the widget has been removed since."""
    try:
        card = widget_card_get(board=board, widget_id=click.widget_id, kind=Widget.Kind.ACTION)
    except Http404:
        return ""
    context = {**click_state_context(board=board, card=card, status=click.status), **SHARED}
    return render_to_string("boards/live_outcome.html", context)
