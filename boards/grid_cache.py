"""The board's grid, drawn once per board stamp and kept in the shared cache.

Everyone who may open a board sees the same grid: what its widgets show depends on the board,
its datasets, its connections and its last runs, never on who looks. The board stamp
(boards/stamps.py) moves with every one of those, so a grid kept under its stamp cannot be
stale: a write moves the stamp and the next page reads a new key. The stamp is read before the
widgets, so what is kept under a stamp is never older than the stamp.

The key also carries the day and the time zone ("Updated 14:02 UTC" drops the date on the day
itself) and whether the grid is drawn for Edit mode. Renames, which show on the grid but are
not data, touch the boards that show them (connection_update, the dataset admin).

The only part of the grid that belongs to one person is the CSRF token of its forms. It is
drawn as a slot and the slot is replaced by this request's token on the way out: no one's
token is ever kept, and a slot cannot be forged by a widget's text, which the grid escapes.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from boards.selectors import BoardPage

# Long enough for a morning's worth of people opening an unchanged board; a stamp that has
# moved on is never read again, so old grids only wait here to expire.
GRID_SECONDS = 600
_SLOT_TOKEN = "csrf-slot"  # noqa: S105 (a placeholder, replaced before anyone sees it)


def _token_input(token: str) -> str:
    return str(format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token))


_SLOT = _token_input(_SLOT_TOKEN)


def board_grid_key(page: BoardPage) -> str:
    day = timezone.localdate().isoformat()
    mode = "edit" if page.editing else "view"
    zone = timezone.get_current_timezone_name()
    return f"board-grid:{page.board.pk}:{page.stamp}:{mode}:{day}:{zone}"


def board_grid_html(*, request: HttpRequest, page: BoardPage) -> SafeString:
    """The page's grid (board.html#grid) with this request's CSRF token in its forms."""
    key = board_grid_key(page)
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "boards/board.html#grid",
            {
                **page.grid_context(),
                "csrf_token": _SLOT_TOKEN,
            },
        )
        cache.set(key, html, GRID_SECONDS)
    return mark_safe(html.replace(_SLOT, _token_input(get_token(request))))  # noqa: S308 (drawn by our templates, escaped there)
