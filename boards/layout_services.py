"""Writes for where widgets sit on the grid: a new widget's place, a keyboard step, a drag or
resize saved from Edit mode, and closing the gap a removed widget leaves. The rules are in
boards/layout.py; here they are applied under a lock on the board's widgets, and open boards
are told (layout_version) in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from boards.kinds import kind_for
from boards.layout import NUDGES, Box, nudge, place_new, reading_order, settle
from boards.models import Board, Widget

GRID_FIELDS = ["grid_x", "grid_y", "grid_w", "grid_h", "position"]


def box_of(widget: Widget) -> Box:
    return Box(widget.pk, widget.grid_x, widget.grid_y, widget.grid_w, widget.grid_h)


def _locked_widgets(board_id: int) -> list[Widget]:
    return list(Widget.objects.select_for_update().filter(board_id=board_id).order_by("pk"))


def _apply(board_id: int, widgets: list[Widget], boxes: list[Box]) -> bool:
    """Write the boxes (and the reading order they give) to the widgets; True if any moved."""
    by_id = {widget.pk: widget for widget in widgets}
    changed = []
    for position, box in enumerate(sorted(boxes, key=reading_order)):
        widget = by_id[box.id]
        new = (box.x, box.y, box.w, box.h, position)
        if new != (widget.grid_x, widget.grid_y, widget.grid_w, widget.grid_h, widget.position):
            widget.grid_x, widget.grid_y, widget.grid_w, widget.grid_h, widget.position = new
            changed.append(widget)
    if changed:
        Widget.objects.bulk_update(changed, GRID_FIELDS)
        Board.objects.filter(pk=board_id).update(layout_version=F("layout_version") + 1)
    return bool(changed)


def widget_place_new(*, widget: Widget) -> None:
    """Give a widget that is being created its kind's size and the first free place (it is
    saved by the caller, inside the caller's transaction)."""
    others = [box_of(other) for other in _locked_widgets(widget.board_id)]
    w, h = kind_for(widget.kind).default_size
    box = place_new(others, id=0, w=w, h=h)
    widget.grid_x, widget.grid_y, widget.grid_w, widget.grid_h = box.x, box.y, box.w, box.h
    widget.position = sum(1 for other in others if reading_order(other) < reading_order(box))


def board_layout_renumber(*, board_id: int) -> None:
    """After a widget is removed: the others rise into the gap, reading order renumbered."""
    widgets = _locked_widgets(board_id)
    _apply(board_id, widgets, settle(box_of(widget) for widget in widgets))


@transaction.atomic
def widget_nudge(*, widget: Widget, step: str) -> bool:
    """One step of a widget (left, right, up, down, wider, narrower, taller, shorter). False,
    and nothing changes, at an edge or at a size limit."""
    if step not in NUDGES:
        raise ValidationError({"step": "Move a widget left, right, up or down, or resize it."})
    widgets = _locked_widgets(widget.board_id)
    boxes = nudge([box_of(other) for other in widgets], id=widget.pk, step=step)
    return _apply(widget.board_id, widgets, boxes)


@transaction.atomic
def board_layout_save(*, board: Board, boxes: Mapping[int, tuple[int, int, int, int]]) -> bool:
    """Save a drag or resize from Edit mode: the places posted for some of the board's widgets
    ({id: (x, y, w, h)}); the rest keep theirs, and the rules settle any overlap. A widget of
    another board, or anything not a whole number, changes nothing."""
    widgets = _locked_widgets(board.pk)
    current = {widget.pk: box_of(widget) for widget in widgets}
    unknown = set(boxes) - set(current)
    if unknown:
        raise ValidationError({"layout": "Some of those widgets are not on this board any more."})
    for widget_id, place in boxes.items():
        if len(place) != 4 or not all(type(value) is int for value in place):
            raise ValidationError(
                {"layout": "Each widget needs a column, a row, a width and a height."}
            )
        current[widget_id] = Box(widget_id, *place)
    return _apply(board.pk, widgets, settle(current.values()))
