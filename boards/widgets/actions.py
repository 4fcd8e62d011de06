"""Whether an Action widget can send right now, and the words that say why not.

One rule, used both when drawing the board and again by the click endpoint, so a button that
was drawn as available a minute ago still cannot send once its connection is switched off.
"""

from __future__ import annotations

from boards.models import Board, Widget

UNAVAILABLE_REMOVED = "This action is unavailable: its connection was removed."
UNAVAILABLE_DISABLED = "This action is unavailable: its connection is disabled."
UNAVAILABLE_NOT_SHARED = (
    "This action is unavailable: its connection is not shared with this application."
)


def action_unavailable_reason(*, widget: Widget, board: Board, granted: bool) -> str:
    """Empty when the widget may send. `granted`: the connection's Application access includes
    the board's application (passed in so a whole board is checked in one query)."""
    connection = widget.connection
    if connection is None or connection.workspace_id != board.application.workspace_id:
        return UNAVAILABLE_REMOVED
    if not connection.enabled:
        return UNAVAILABLE_DISABLED
    if not granted:
        return UNAVAILABLE_NOT_SHARED
    return ""


def action_label(widget: Widget) -> str:
    """What the button says: the builder's label, else the widget title, else the connection."""
    if widget.button_label:
        return widget.button_label
    if widget.title:
        return widget.title
    if widget.connection is not None:
        return widget.connection.name
    return "Send request"


DEFAULT_CONFIRMATION = "Send this request now?"


def confirmation_text(widget: Widget) -> str:
    return widget.confirmation_message or DEFAULT_CONFIRMATION
