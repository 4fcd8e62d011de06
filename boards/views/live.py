"""The open board's stream of changes: server-sent events, fed by the watcher (boards/live.py).

A stream costs no query of its own while nothing changes. It ends after STREAM_LIFETIME and
the browser reconnects at once with the id of the last event it had (stamp and time), so a
reconnect misses nothing and a long-lived connection is renewed now and then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase, HttpResponseNotAllowed

from boards.live import LiveEvent, Watch, board_watcher
from boards.stamps import board_change_stamp_for_viewer, stamp_is_readable

STREAM_LIFETIME = 300.0  # seconds
KEEPALIVE = 15.0  # seconds between "still here" events, which also move the reconnect cursor
RETRY_MS = 1000  # how soon the browser reconnects after a stream ends

logger = logging.getLogger(__name__)


async def board_events(request: HttpRequest, pk: int) -> HttpResponseBase:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not isinstance(request, ASGIRequest):
        # A WSGI server would hold a worker for the whole stream and send nothing until it
        # ended. No content: the browser's EventSource gives up; the board stays as drawn.
        logger.warning("Board streams need the ASGI server (config.asgi); this is WSGI")
        return HttpResponse(status=204)
    try:
        user_id, _ = await sync_to_async(_open_check)(request, pk)
    except PermissionDenied:
        return HttpResponse(status=401)
    except Http404:
        return HttpResponse(status=404)
    stamp, clicks_since = _cursor(request)
    stream = _stream(user_id=user_id, board_id=pk, stamp=stamp, clicks_since=clicks_since)
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # proxies such as nginx must pass each event on at once
    return response


def _open_check(request: HttpRequest, board_id: int) -> tuple[int, str]:
    """Who is asking, and the board's stamp if they may open it; else PermissionDenied (not
    signed in) or Http404. Runs in the request's own thread, where the session was read, and
    hands its database connection back before the stream starts: a request that held one
    connection while waiting for a second would, a thousand at once, starve the pool."""
    try:
        user = request.user
        if not user.is_authenticated:
            raise PermissionDenied
        return user.pk, board_change_stamp_for_viewer(user=user, board_id=board_id)
    finally:
        connections.close_all()


def _cursor(request: HttpRequest) -> tuple[str, datetime]:
    """Where the stream starts: the stamp the page (or the last event) showed, and the moment
    from which finished clicks are sent. A reconnecting browser sends the last event's id; a
    page sends what it was drawn with. Anything unreadable starts from now with everything."""
    now = datetime.now(tz=UTC)
    last = request.headers.get("Last-Event-ID", "")
    stamp, _, moment = last.partition("~") if last else (request.GET.get("since", ""), "", "")
    moment = moment or request.GET.get("at", "")
    try:
        at = datetime.fromtimestamp(float(moment), tz=UTC)
    except (ValueError, OverflowError, OSError):
        at = now
    if not stamp_is_readable(stamp):
        stamp = ""  # never matches: the first tick sends the whole grid
    return stamp, min(at, now)


async def _stream(
    *, user_id: int, board_id: int, stamp: str, clicks_since: datetime
) -> AsyncIterator[str]:
    # The sign-in check above ran in this request's own thread; its database connection is not
    # needed while the stream is open (thousands may be).
    await sync_to_async(connections.close_all)()
    yield f"retry: {RETRY_MS}\n\n"
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + STREAM_LIFETIME
    async with board_watcher().watching(
        user_id=user_id, board_id=board_id, stamp=stamp, clicks_since=clicks_since
    ) as watch:
        while (remaining := ends_at - loop.time()) > 0:
            try:
                event = await asyncio.wait_for(watch.events.get(), min(KEEPALIVE, remaining))
            except TimeoutError:
                yield _message(watch, LiveEvent("alive", ""))
                continue
            yield _message(watch, event)
            if event.name == "gone":
                return


def _message(watch: Watch, event: LiveEvent) -> str:
    lines = [f"id: {watch.stamp}~{time.time():.3f}", f"event: {event.name}"]
    lines += [f"data: {line}" for line in (event.data.splitlines() or [""])]
    return "\n".join(lines) + "\n\n"
