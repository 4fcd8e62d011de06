from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from boards.grid_cache import board_grid_html
from boards.selectors import board_page_get
from workspace.decorators import signed_in


@signed_in
@require_GET
def board_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = board_page_get(user=request.user, board_id=pk)
    grid = board_grid_html(request=request, page=page)
    return render(request, "boards/board.html", {"page": page, "board": page.board, "grid": grid})


@signed_in
@require_GET
def board_edit(request: HttpRequest, pk: int) -> HttpResponse:
    page = board_page_get(user=request.user, board_id=pk, editing=True)
    grid = board_grid_html(request=request, page=page)
    return render(request, "boards/board.html", {"page": page, "board": page.board, "grid": grid})
