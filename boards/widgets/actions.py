"""Whether an Action widget can send right now, and the words that say why not.

The board is drawn with `action_unavailable_reason`; a click is decided by the delivery service
(checked afresh under its lock) and put in the same words by `action_blocked_reason`, so a button
drawn as available a minute ago still cannot send once its connection is switched off.
"""

from __future__ import annotations

from boards.models import Board, Widget
from integrations.services import DeliveryReason, DeliveryStatus

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


def action_blocked_reason(reason: str) -> str:
    """The board's words for a click the delivery service blocked on the connection's state
    (`reason` is the delivery's reason code: disabled, deleted or not_shared).

    The service checks enabled and shared afresh under its lock, so its answer, not the state
    the board was drawn with, decides which words the person sees.
    """
    words: dict[str, str] = {
        DeliveryReason.DISABLED: UNAVAILABLE_DISABLED,
        DeliveryReason.DELETED: UNAVAILABLE_REMOVED,
    }
    return words.get(reason, UNAVAILABLE_NOT_SHARED)


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


def action_result_words(*, widget: Widget, status: DeliveryStatus) -> str:
    """What viewers read once a click has ended: the builder's message for success or failure
    when there is one, else the standard words. A click refused because the connection is
    unavailable always says why: the builder's failure words would not."""
    if not status.final:
        return status.message
    if status.succeeded and widget.success_message:
        return widget.success_message
    if not status.succeeded and widget.failure_message and not status.connection_unavailable:
        return widget.failure_message
    return status.message
