"""Widgets changed in the Django admin reach open boards: the live-board watcher redraws them."""

import pytest
from django.urls import reverse

from boards.models import Widget
from boards.services import widget_create
from tests.boards.conftest import board_stamp_on_page, live_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(world):
    return widget_create(
        board=world.sales_board, kind=Widget.Kind.TEXT, title="Read me", text="Before the edit"
    )


def open_board(world, board):
    """What a viewer's open board holds: the stamp its page was drawn with."""
    return board_stamp_on_page(world.client_for("alice"), board)


def change_check(world, board, since) -> str:
    """What the live-board watcher sends that open board next ("" for nothing)."""
    return live_check(world.alice, board, since)


def widget_form(widget, **overrides):
    data = {
        "board": widget.board_id,
        "kind": widget.kind,
        "grid_x": widget.grid_x,
        "grid_y": widget.grid_y,
        "grid_w": widget.grid_w,
        "grid_h": widget.grid_h,
        "title": widget.title,
        "connection": "",
        "button_label": "",
        "button_tooltip": "",
        "confirmation_message": "",
        "text": widget.text,
        "dataset": "",
        "kpi_column": "",
        "kpi_aggregate": "",
    }
    data.update(overrides)
    return data


def test_it_shows_a_widget_edited_in_the_admin_on_open_boards(world, note, superuser_client):
    since = open_board(world, world.sales_board)
    url = reverse("admin:boards_widget_change", args=[note.pk])
    response = superuser_client.post(url, widget_form(note, text="After the edit"))
    assert response.status_code == 302
    html = change_check(world, world.sales_board, since)
    assert "After the edit" in html


def test_it_redraws_both_boards_when_the_admin_moves_a_widget(world, note, superuser_client):
    sales_since = open_board(world, world.sales_board)
    workforce_since = open_board(world, world.workforce_board)
    url = reverse("admin:boards_widget_change", args=[note.pk])
    superuser_client.post(url, widget_form(note, board=world.workforce_board.pk))
    assert "Before the edit" not in change_check(world, world.sales_board, sales_since)
    assert "Before the edit" in change_check(world, world.workforce_board, workforce_since)


def test_it_removes_a_widget_deleted_in_the_admin_from_open_boards(world, note, superuser_client):
    since = open_board(world, world.sales_board)
    url = reverse("admin:boards_widget_delete", args=[note.pk])
    superuser_client.post(url, {"post": "yes"})
    html = change_check(world, world.sales_board, since)
    assert 'id="board-grid"' in html
    assert "Before the edit" not in html


def test_it_notices_widgets_deleted_in_bulk_from_the_admin_list(world, note, superuser_client):
    since = open_board(world, world.sales_board)
    superuser_client.post(
        reverse("admin:boards_widget_changelist"),
        {"action": "delete_selected", "_selected_action": [note.pk], "post": "yes"},
    )
    assert not Widget.objects.exists()
    html = change_check(world, world.sales_board, since)
    assert 'id="board-grid"' in html
    assert "Before the edit" not in html


def board_form(board, widget, **widget_fields):
    """The board's change page with its one inline widget row, as the admin posts it."""
    row = {"id": widget.pk, "board": board.pk, "kind": widget.kind}
    row.update({name: getattr(widget, name) for name in ("grid_x", "grid_y", "grid_w", "grid_h")})
    row["title"] = widget.title
    row.update(widget_fields)
    data = {
        "application": board.application_id,
        "name": board.name,
        "widgets-TOTAL_FORMS": "1",
        "widgets-INITIAL_FORMS": "1",
        "widgets-MIN_NUM_FORMS": "0",
        "widgets-MAX_NUM_FORMS": "1000",
    }
    data.update({f"widgets-0-{name}": value for name, value in row.items()})
    return data


def test_it_notices_a_widget_edited_inline_on_the_board_page(world, note, superuser_client):
    board = world.sales_board
    since = open_board(world, board)
    url = reverse("admin:boards_board_change", args=[board.pk])
    superuser_client.post(url, board_form(board, note, title="Renamed inline"))
    note.refresh_from_db()
    assert note.title == "Renamed inline"
    assert "Renamed inline" in change_check(world, board, since)


def test_it_leaves_open_boards_alone_when_the_admin_saves_nothing_new(
    world, note, superuser_client
):
    board = world.sales_board
    since = open_board(world, board)
    superuser_client.post(
        reverse("admin:boards_board_change", args=[board.pk]), board_form(board, note)
    )
    assert change_check(world, board, since) == ""
