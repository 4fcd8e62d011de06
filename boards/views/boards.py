from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from boards.selectors import (
    board_cards,
    board_change_stamp_for_viewer,
    board_get_for_viewer,
    board_page_get,
    stamp_layout_changed,
)
from workspace.decorators import signed_in


@signed_in
@require_GET
def board_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = board_page_get(user=request.user, board_id=pk)
    return render(request, "boards/board.html", {"page": page, "board": page.board})


@signed_in
@require_GET
def board_edit(request: HttpRequest, pk: int) -> HttpResponse:
    page = board_page_get(user=request.user, board_id=pk, editing=True)
    return render(request, "boards/board.html", {"page": page, "board": page.board})


@signed_in
@require_GET
@never_cache
def board_changes(request: HttpRequest, pk: int) -> HttpResponse:
    """The open board's once-a-second check.

    Nothing changed: 204 with no body, which htmx leaves alone — one query besides the session.
    Data changed: the data widgets only, swapped out of band, so an Action button that is
    showing "Sending…" or a confirmation keeps its state. Widgets added, moved or removed: the
    whole grid. Either way a new poller carrying the new stamp replaces the old one.
    """
    stamp = board_change_stamp_for_viewer(user=request.user, board_id=pk)
    since = request.GET.get("since", "")
    if since == stamp:
        return HttpResponse(status=204)
    board = board_get_for_viewer(user=request.user, board_id=pk)
    layout_changed = stamp_layout_changed(since=since, stamp=stamp)
    cards = board_cards(board=board, data_only=not layout_changed)
    context = {"board": board, "cards": cards, "stamp": stamp, "layout_changed": layout_changed}
    return render(request, "boards/changes.html", context)
