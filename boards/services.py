"""Writes for boards: adding, changing, ordering and removing widgets, and clicking an Action.

Every change to a board's widgets bumps Board.layout_version in the same transaction, so open
boards notice on their next change check and redraw.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from boards.layout_services import board_layout_renumber, widget_place_new
from boards.models import Board, Widget
from boards.widgets.actions import UNAVAILABLE_REMOVED, action_blocked_reason, action_label
from datasets.models import Dataset, DatasetColumn
from integrations.services import (
    SOURCE_WIDGET,
    Connection,
    DeliveryStatus,
    SendOrigin,
    connection_send,
    connection_send_unavailable,
)

NUMBER_ONLY = {Widget.Aggregate.SUM, Widget.Aggregate.AVERAGE}


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


def _check_connection(board: Board, connection: Connection | None) -> None:
    if connection is None:
        raise ValidationError({"connection": "Choose the API request connection to send."})
    application = board.application
    if connection.workspace_id != application.workspace_id:
        # Another workspace's connection: answer as if it did not exist.
        raise ValidationError({"connection": "Choose one of the connections listed."})
    if not connection.enabled:
        raise ValidationError(
            {"connection": f"{connection.name} is disabled. Choose an enabled connection."}
        )
    if not connection.applications.filter(pk=application.pk).exists():
        raise ValidationError(
            {"connection": f"{connection.name} is not shared with {application.name}."}
        )


def _check_dataset(board: Board, dataset: Dataset | None) -> None:
    if dataset is None or dataset.workspace_id != board.application.workspace_id:
        raise ValidationError({"dataset": "Choose one of this workspace's datasets."})
    if not dataset.applications.filter(pk=board.application_id).exists():
        raise ValidationError(
            {"dataset": "That dataset is not shared with this application. Choose one listed."}
        )


def _check_kpi(dataset: Dataset, column_name: str, aggregate: str) -> None:
    if aggregate not in Widget.Aggregate.values:
        raise ValidationError({"kpi_aggregate": "Choose sum, average, count or latest."})
    column = DatasetColumn.objects.filter(dataset=dataset, name=column_name).first()
    if column is None:
        raise ValidationError({"kpi_column": f"{dataset.name} has no column named {column_name}."})
    if aggregate in NUMBER_ONLY and column.kind != DatasetColumn.Kind.NUMBER:
        label = Widget.Aggregate(aggregate).label
        raise ValidationError(
            {
                "kpi_column": f"{label} needs a number column, and {column.name} is a "
                f"{column.get_kind_display().lower()} column. Choose a number column, or count "
                "or latest."
            }
        )


def _check_kpi_affixes(widget: Widget) -> None:
    """The prefix and suffix are shown as plain text (escaped like every value); markup in them
    would only show as its characters, so it is refused rather than shown mangled."""
    errors = {}
    for field, name in (("kpi_prefix", "prefix"), ("kpi_suffix", "suffix")):
        value = getattr(widget, field)
        if any(character in value for character in "<>") or not value.isprintable():
            errors[field] = (
                f"The {name} is shown as plain text: use letters, signs or spaces, without "
                "< > or line breaks."
            )
    if errors:
        raise ValidationError(errors)


def _validate(widget: Widget, board: Board) -> None:
    if widget.kind == Widget.Kind.ACTION:
        _check_connection(board, widget.connection)
    elif widget.kind == Widget.Kind.TEXT:
        if not widget.text.strip():
            raise ValidationError({"text": "Enter the text to show."})
    elif widget.kind in (Widget.Kind.TABLE, Widget.Kind.KPI):
        _check_dataset(board, widget.dataset)
        if widget.kind == Widget.Kind.KPI:
            # _check_dataset refused a widget without a dataset.
            _check_kpi(cast(Dataset, widget.dataset), widget.kpi_column, widget.kpi_aggregate)
            _check_kpi_affixes(widget)
    widget.full_clean()


def _assign(
    widget: Widget,
    *,
    title: str,
    connection: Connection | None,
    button_label: str,
    button_tooltip: str,
    confirm_before_sending: bool,
    confirmation_message: str,
    success_message: str,
    failure_message: str,
    text: str,
    dataset: Dataset | None,
    kpi_column: str,
    kpi_aggregate: str,
    kpi_prefix: str,
    kpi_suffix: str,
    kpi_decimals: int | None,
) -> None:
    """Set the fields of the widget's kind and clear the others, so nothing stale lingers (an
    Action turned into nothing else still pointing at a connection, say)."""
    kind = widget.kind
    is_action = kind == Widget.Kind.ACTION
    is_data = kind in (Widget.Kind.TABLE, Widget.Kind.KPI)
    is_kpi = kind == Widget.Kind.KPI
    widget.title = title.strip()
    widget.connection = connection if is_action else None
    widget.button_label = button_label.strip() if is_action else ""
    widget.button_tooltip = button_tooltip.strip() if is_action else ""
    widget.confirm_before_sending = confirm_before_sending if is_action else False
    widget.success_message = success_message.strip() if is_action else ""
    widget.failure_message = failure_message.strip() if is_action else ""
    widget.confirmation_message = (
        confirmation_message.strip() if is_action and confirm_before_sending else ""
    )
    widget.text = text if kind == Widget.Kind.TEXT else ""
    widget.dataset = dataset if is_data else None
    widget.kpi_column = kpi_column if is_kpi else ""
    widget.kpi_aggregate = kpi_aggregate if is_kpi else ""
    # Kept as typed: the space of " k" is how the unit reads.
    widget.kpi_prefix = kpi_prefix if is_kpi else ""
    widget.kpi_suffix = kpi_suffix if is_kpi else ""
    widget.kpi_decimals = kpi_decimals if is_kpi else None


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
    if kind not in Widget.Kind.values:
        raise ValidationError({"kind": "Choose Action, Text, Table or KPI."})
    widget = Widget(board=board, kind=kind)
    _assign(
        widget,
        title=title,
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
    _assign(
        widget,
        title=title,
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
