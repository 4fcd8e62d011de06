"""Writes for boards: adding, changing, ordering and removing widgets, and clicking an Action.

Every change to a board's widgets bumps Board.layout_version in the same transaction, so open
boards notice on their next change check and redraw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from boards.kinds import WIDGET_KINDS, WidgetSettings, kind_for
from boards.layout_services import board_layout_renumber, widget_place_new
from boards.models import Board, Widget
from boards.widgets.actions import UNAVAILABLE_REMOVED, action_blocked_reason, action_label
from datasets.models import Dataset
from integrations.services import (
    SOURCE_WIDGET,
    Connection,
    DeliveryStatus,
    SendOrigin,
    connection_send,
    connection_send_unavailable,
)


class WidgetUnavailable(Exception):
    """An Action widget that cannot send; the message is the one shown on the board."""


class ConfirmationNeeded(Exception):
    """The widget asks people to confirm before it sends, and this click was not confirmed."""


def _bump_layout(board: Board) -> None:
    board_layout_touch(board_ids=[board.pk])


@transaction.atomic
def board_layout_touch(*, board_ids: Iterable[int | None]) -> None:
    """Tell open boards their widgets changed, for writes that bypass the widget services.

    The Django admin edits widgets with its own forms; without this, open boards would keep
    showing the old layout until someone reloaded them. Places typed there are settled by the
    grid's rules (no overlaps, gaps closed) on the way.
    """
    ids = {board_id for board_id in board_ids if board_id is not None}
    for board_id in sorted(ids):
        board_layout_renumber(board_id=board_id)
    if ids:
        Board.objects.filter(pk__in=ids).update(layout_version=F("layout_version") + 1)


def boards_showing_touch(*, connection_id: int) -> None:
    """Tell the boards showing this connection that a name they draw changed: an Action button
    without words of its own says its connection's name. Names are not part of a board's stamp
    otherwise, so open boards and the grids kept for a stamp (boards/grid_cache.py) would go on
    showing the old one. (A dataset's name or columns move its version instead.)"""
    boards = Widget.objects.filter(connection_id=connection_id).values("board_id")
    Board.objects.filter(pk__in=boards).update(layout_version=F("layout_version") + 1)


def _assign(widget: Widget, *, title: str, settings: WidgetSettings) -> None:
    """Set the title and the settings of the widget's kind; every other setting is left blank
    (WidgetSettings' defaults), so nothing stale lingers."""
    widget.title = title.strip()
    blank = WidgetSettings()
    for field in fields(WidgetSettings):
        setattr(widget, field.name, getattr(blank, field.name))
    kind_for(widget.kind).keep(widget, settings)


def _validate(widget: Widget, board: Board) -> None:
    kind_for(widget.kind).clean(widget, board)
    widget.full_clean()


def _kind_labels() -> str:
    """The kinds in the words of the + Add a Widget choice: "Action, Text, Table or KPI"."""
    labels = [kind.label for kind in WIDGET_KINDS]
    return f"{', '.join(labels[:-1])} or {labels[-1]}"


@transaction.atomic
def widget_create(
    *,
    board: Board,
    kind: str,
    title: str = "",
    connection: Connection | None = None,
    button_label: str = "",
    button_tooltip: str = "",
    confirm_before_sending: bool = False,
    confirmation_message: str = "",
    success_message: str = "",
    failure_message: str = "",
    text: str = "",
    dataset: Dataset | None = None,
    kpi_column: str = "",
    kpi_aggregate: str = "",
    kpi_prefix: str = "",
    kpi_suffix: str = "",
    kpi_decimals: int | None = None,
) -> Widget:
    """Add a widget at the first free place of its size. Raises ValidationError keyed by field."""
    if kind not in {known.code for known in WIDGET_KINDS}:
        raise ValidationError({"kind": f"Choose {_kind_labels()}."})
    widget = Widget(board=board, kind=kind)
    settings = WidgetSettings(
        connection=connection,
        button_label=button_label,
        button_tooltip=button_tooltip,
        confirm_before_sending=confirm_before_sending,
        confirmation_message=confirmation_message,
        success_message=success_message,
        failure_message=failure_message,
        text=text,
        dataset=dataset,
        kpi_column=kpi_column,
        kpi_aggregate=kpi_aggregate,
        kpi_prefix=kpi_prefix,
        kpi_suffix=kpi_suffix,
        kpi_decimals=kpi_decimals,
    )
    _assign(widget, title=title, settings=settings)
    _validate(widget, board)
    widget_place_new(widget=widget)
    widget.save()
    board_layout_renumber(board_id=board.pk)  # the widgets after it in reading order
    _bump_layout(board)
    return widget


@transaction.atomic
def widget_update(
    *,
    widget: Widget,
    title: str = "",
    connection: Connection | None = None,
    button_label: str = "",
    button_tooltip: str = "",
    confirm_before_sending: bool = False,
    confirmation_message: str = "",
    success_message: str = "",
    failure_message: str = "",
    text: str = "",
    dataset: Dataset | None = None,
    kpi_column: str = "",
    kpi_aggregate: str = "",
    kpi_prefix: str = "",
    kpi_suffix: str = "",
    kpi_decimals: int | None = None,
) -> Widget:
    """Change a widget's settings (its kind stays). Raises ValidationError keyed by field."""
    board = widget.board
    settings = WidgetSettings(
        connection=connection,
        button_label=button_label,
        button_tooltip=button_tooltip,
        confirm_before_sending=confirm_before_sending,
        confirmation_message=confirmation_message,
        success_message=success_message,
        failure_message=failure_message,
        text=text,
        dataset=dataset,
        kpi_column=kpi_column,
        kpi_aggregate=kpi_aggregate,
        kpi_prefix=kpi_prefix,
        kpi_suffix=kpi_suffix,
        kpi_decimals=kpi_decimals,
    )
    _assign(widget, title=title, settings=settings)
    _validate(widget, board)
    widget.save()
    _bump_layout(board)
    return widget


@transaction.atomic
def widget_delete(*, widget: Widget) -> None:
    board = widget.board
    widget.delete()
    board_layout_renumber(board_id=board.pk)
    _bump_layout(board)


def widget_click(
    *, user: User, board: Board, widget: Widget, confirmed: bool = False
) -> DeliveryStatus:
    """Record the click and hand the call to a worker, through integrations' one door.

    A widget set to confirm first sends nothing until a click says it was confirmed
    (ConfirmationNeeded). Every other click leaves exactly one delivery record. An unavailable
    widget (its connection disabled, no longer shared with the board's application, or deleted)
    is recorded as blocked, sends nothing, and raises WidgetUnavailable with the words the board
    shows. Enabled and shared are decided by the delivery service under its lock, so a
    connection switched off a moment ago still sends nothing.
    """
    if widget.confirm_before_sending and not confirmed:
        raise ConfirmationNeeded
    application = board.application
    connection = widget.connection
    origin = SendOrigin(
        board_id=board.pk,
        widget_id=widget.pk,
        board_name=board.name,
        widget_label=action_label(widget),
        application=application,
    )
    if connection is None or connection.workspace_id != application.workspace_id:
        # Nothing of this workspace's left to send through (or to record the click against).
        connection_send_unavailable(workspace=application.workspace, user=user, origin=origin)
        raise WidgetUnavailable(UNAVAILABLE_REMOVED)
    status = connection_send(connection=connection, user=user, source=SOURCE_WIDGET, origin=origin)
    if status.connection_unavailable:
        # Decided under the delivery service's lock: its answer, not the state the board was
        # drawn with, says why.
        raise WidgetUnavailable(action_blocked_reason(status.reason))
    return status
