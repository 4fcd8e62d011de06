"""The 12-column grid: boxes never overlap, widths stay 1–12, gaps close, and every keyboard
step does what the drag it stands for would."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from boards.layout import (
    COLUMNS,
    MAX_HEIGHT,
    NUDGES,
    Box,
    clamp,
    nudge,
    place_new,
    settle,
)
from boards.layout_services import board_layout_save, widget_nudge
from boards.models import Board, Widget
from boards.services import widget_create, widget_delete


def no_overlaps(boxes):
    return not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def risen(boxes):
    """Gravity: no box could move up a row without overlapping another."""
    for box in boxes:
        if box.y == 0:
            continue
        lifted = Box(box.id, box.x, box.y - 1, box.w, box.h)
        if not any(other.id != box.id and other.overlaps(lifted) for other in boxes):
            return False
    return True


boxes_strategy = st.lists(
    st.tuples(st.integers(-3, 14), st.integers(-2, 30), st.integers(-1, 14), st.integers(-1, 30)),
    max_size=12,
).map(lambda rows: [Box(i + 1, *row) for i, row in enumerate(rows)])


@given(boxes_strategy, st.integers(0, 11), st.sampled_from(NUDGES))
def test_any_layout_settles_without_overlap_inside_the_grid(boxes, index, step):
    settled = settle(boxes)
    assert no_overlaps(settled) and risen(settled)
    assert all(1 <= b.w <= COLUMNS and 0 <= b.x <= COLUMNS - b.w for b in settled)
    assert all(1 <= b.h <= MAX_HEIGHT for b in settled)
    if boxes:
        stepped = nudge(boxes, id=boxes[index % len(boxes)].id, step=step)
        assert no_overlaps(stepped) and risen(stepped)
        assert sorted(b.id for b in stepped) == sorted(b.id for b in boxes)


def test_widths_are_clamped_to_the_grid():
    assert clamp(Box(1, 11, 0, 5, 2)) == Box(1, 7, 0, 5, 2)
    assert clamp(Box(1, -2, -1, 0, 0)) == Box(1, 0, 0, 1, 1)
    assert clamp(Box(1, 0, 0, 40, 99)) == Box(1, 0, 0, 12, 24)


def test_a_new_widget_fills_the_first_gap_of_its_size():
    action, kpi = Box(1, 0, 0, 3, 2), Box(2, 3, 0, 3, 2)
    assert place_new([action, kpi], id=3, w=3, h=2) == Box(3, 6, 0, 3, 2)
    assert place_new([action, kpi], id=3, w=12, h=6) == Box(3, 0, 2, 12, 6)


def test_dropping_onto_a_row_takes_the_place_and_pushes_the_other_below():
    table, action = Box(1, 0, 0, 12, 6), Box(2, 0, 6, 3, 2)
    settled = {b.id: b for b in settle([table, action], moved=Box(2, 0, 0, 3, 2))}
    assert settled[2] == Box(2, 0, 0, 3, 2)
    assert settled[1] == Box(1, 0, 2, 12, 6)


def test_up_and_down_trade_places_with_the_neighbour_in_the_same_columns():
    table, action = Box(1, 0, 0, 12, 6), Box(2, 0, 6, 3, 2)
    up = {b.id: b for b in nudge([table, action], id=2, step="up")}
    assert (up[2].y, up[1].y) == (0, 2)
    down = {b.id: b for b in nudge(list(up.values()), id=2, step="down")}
    assert (down[1].y, down[2].y) == (0, 6)
    # At the top, up changes nothing.
    assert nudge(list(up.values()), id=2, step="up") == sorted(up.values(), key=lambda b: b.y)


def test_resizing_a_neighbour_into_another_settles_it_below():
    left, right = Box(1, 0, 0, 6, 2), Box(2, 6, 0, 6, 2)
    wider = {b.id: b for b in nudge([left, right], id=1, step="wider")}
    assert wider[1] == Box(1, 0, 0, 7, 2)
    assert wider[2].y == 2  # pushed below, never under


pytestmark = pytest.mark.django_db


def places(board):
    return list(
        Widget.objects.filter(board=board)
        .order_by("position")
        .values_list("text", "grid_x", "grid_y", "grid_w", "grid_h")
    )


def test_widgets_get_their_kind_s_size_and_the_first_free_place(world, connection):
    board = Board.objects.create(application=world.sales, name="Grid")
    widget_create(board=board, kind=Widget.Kind.TEXT, text="a")
    widget_create(board=board, kind=Widget.Kind.TEXT, text="b")
    widget_create(board=board, kind=Widget.Kind.ACTION, connection=connection)
    assert places(board) == [("a", 0, 0, 6, 2), ("b", 6, 0, 6, 2), ("", 0, 2, 3, 2)]


def test_a_step_saves_at_once_and_tells_open_boards(world):
    board = Board.objects.create(application=world.sales, name="Grid")
    first = widget_create(board=board, kind=Widget.Kind.TEXT, text="a")
    widget_create(board=board, kind=Widget.Kind.TEXT, text="b")
    version = Board.objects.get(pk=board.pk).layout_version
    assert widget_nudge(widget=first, step="narrower") is True
    assert places(board)[0] == ("a", 0, 0, 5, 2)
    assert Board.objects.get(pk=board.pk).layout_version == version + 1
    first.refresh_from_db()
    assert widget_nudge(widget=first, step="left") is False  # at the edge: nothing changes
    assert Board.objects.get(pk=board.pk).layout_version == version + 1


def test_removing_a_widget_closes_the_gap(world, dataset):
    board = Board.objects.create(application=world.sales, name="Grid")
    top = widget_create(board=board, kind=Widget.Kind.TABLE, dataset=dataset)
    widget_create(board=board, kind=Widget.Kind.TEXT, text="below")
    widget_delete(widget=top)
    assert places(board) == [("below", 0, 0, 6, 2)]


def test_a_saved_drag_is_settled_and_kept(world, dataset):
    board = Board.objects.create(application=world.sales, name="Grid")
    table = widget_create(board=board, kind=Widget.Kind.TABLE, dataset=dataset)
    action = widget_create(board=board, kind=Widget.Kind.TEXT, text="note")
    # The note dragged to the top right, the table made narrower: they now share row 0.
    board_layout_save(board=board, boxes={table.pk: (0, 0, 8, 6), action.pk: (8, 0, 4, 2)})
    assert places(board) == [("", 0, 0, 8, 6), ("note", 8, 0, 4, 2)]
    # Boxes posted overlapping (a page out of date) are settled, never stored overlapping.
    board_layout_save(board=board, boxes={action.pk: (2, 0, 4, 2)})
    assert places(board) == [("", 0, 0, 8, 6), ("note", 2, 6, 4, 2)]


def test_a_saved_drag_of_another_board_s_widget_changes_nothing(world):
    board = Board.objects.create(application=world.sales, name="Grid")
    mine = widget_create(board=board, kind=Widget.Kind.TEXT, text="mine")
    theirs = widget_create(board=world.workforce_board, kind=Widget.Kind.TEXT, text="theirs")
    with pytest.raises(Exception, match="not on this board"):
        board_layout_save(board=board, boxes={mine.pk: (6, 0, 6, 2), theirs.pk: (0, 0, 1, 1)})
    assert places(board) == [("mine", 0, 0, 6, 2)]


def post_layout(world, persona, board, body):
    url = reverse("boards:layout", args=[board.pk])
    return world.client_for(persona).post(url, body, content_type="application/json")


def test_the_layout_endpoint_saves_a_drag_for_those_who_may_edit(world):
    board = world.sales_board
    note = widget_create(board=board, kind=Widget.Kind.TEXT, text="note")
    body = {"widgets": [{"id": note.pk, "x": 6, "y": 0, "w": 4, "h": 3}]}
    for persona in ("victor", "oscar"):
        assert post_layout(world, persona, board, body).status_code == 404
    assert places(board) == [("note", 0, 0, 6, 2)]
    assert post_layout(world, "erin", board, body).status_code == 204
    assert places(board) == [("note", 6, 0, 4, 3)]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        {"widgets": [{"id": 1, "x": "six", "y": 0, "w": 4, "h": 3}]},
        {"widgets": [{"id": 1, "x": 6}]},
        {"boxes": []},
        {"widgets": [{"id": 999999, "x": 0, "y": 0, "w": 1, "h": 1}]},
    ],
)
def test_the_layout_endpoint_refuses_what_it_cannot_read_and_saves_nothing(world, body):
    board = world.sales_board
    note = widget_create(board=board, kind=Widget.Kind.TEXT, text="note")
    if isinstance(body, dict) and body.get("widgets") and body["widgets"][0]["id"] == 1:
        body["widgets"][0]["id"] = note.pk
    response = post_layout(world, "erin", board, body)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_layout"
    assert places(board) == [("note", 0, 0, 6, 2)]
