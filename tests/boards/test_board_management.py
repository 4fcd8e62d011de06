"""Boards in the product: builders create, rename, duplicate and delete boards from the workspace
home; viewers see only the boards they may open; every change is in the audit trail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boards.models import Board, Widget
from boards.services import widget_create
from integrations.models import AuditEntry, Delivery
from tests.boards.conftest import add_action, delivery_for

pytestmark = pytest.mark.django_db


def create_url(world, application=None):
    return reverse("boards:create", args=[(application or world.sales).pk])


def board_url(name, board):
    return reverse(f"boards:{name}", args=[board.pk])


# Who may: alice (admin) everywhere; erin configures Sales Planning only; victor only opens it.
@pytest.mark.parametrize(
    ("persona", "sales", "workforce"),
    [
        ("alice", True, True),
        ("erin", True, False),
        ("victor", False, False),
        ("oscar", False, False),
    ],
)
def test_only_those_who_configure_an_application_change_its_boards(
    world, persona, sales, workforce
):
    client = world.client_for(persona)
    for application, board, allowed in (
        (world.sales, world.sales_board, sales),
        (world.workforce, world.workforce_board, workforce),
    ):
        urls = [create_url(world, application)] + [
            board_url(name, board) for name in ("rename", "duplicate", "delete")
        ]
        for url in urls:
            assert client.get(url).status_code == (200 if allowed else 404), (persona, url)
        # A refused POST changes nothing.
        if not allowed:
            client.post(create_url(world, application), {"name": "Sneaky"})
            client.post(board_url("rename", board), {"name": "Sneaky"})
            client.post(board_url("duplicate", board), {"name": "Sneaky"})
            client.post(board_url("delete", board))
    assert not Board.objects.filter(name="Sneaky").exists()
    assert Board.objects.filter(pk=world.workforce_board.pk).exists()
    if not sales:
        assert Board.objects.filter(pk=world.sales_board.pk).exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(world):
    response = world.client_for("anonymous").get(create_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_builder_creates_a_board_and_lands_in_its_edit_mode(world):
    client = world.client_for("erin")
    response = client.post(create_url(world), {"name": "  Q3   Plan "})
    board = Board.objects.get(name="Q3 Plan")
    assert board.application == world.sales
    assert response["Location"] == reverse("boards:edit", args=[board.pk])
    entry = AuditEntry.objects.get(action=AuditEntry.Action.BOARD_CREATED)
    assert (entry.actor, entry.workspace) == (world.erin, world.acme)
    assert entry.subject_name == "Q3 Plan (Sales Planning)"
    page = client.get(response["Location"]).content.decode()
    assert "Board “Q3 Plan” created. Add its first widget." in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the board a name."),
        ("   ", "Give the board a name."),
        ("x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
        ("sales forecast", "Sales Planning already has a board called sales forecast."),
    ],
)
def test_a_bad_name_says_what_is_wrong_and_creates_nothing(world, name, message):
    before = Board.objects.count()
    response = world.client_for("erin").post(create_url(world), {"name": name})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Board.objects.count() == before
    assert not AuditEntry.objects.exists()


def test_the_same_name_may_be_used_in_another_application(world):
    world.client_for("alice").post(create_url(world, world.workforce), {"name": "Sales Forecast"})
    assert Board.objects.filter(application=world.workforce, name="Sales Forecast").exists()


def test_renaming_records_old_and_new_name(world):
    client = world.client_for("erin")
    response = client.post(board_url("rename", world.sales_board), {"name": "Forecast 2027"})
    assert response["Location"] == reverse("workspace:home")
    world.sales_board.refresh_from_db()
    assert world.sales_board.name == "Forecast 2027"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.BOARD_RENAMED)
    assert entry.changes == {"Name": ["Sales Forecast", "Forecast 2027"]}
    # The same name again records nothing.
    client.post(board_url("rename", world.sales_board), {"name": "Forecast 2027"})
    assert AuditEntry.objects.filter(action=AuditEntry.Action.BOARD_RENAMED).count() == 1


def test_a_rename_to_a_taken_name_keeps_the_old_one(world):
    widget_board = Board.objects.create(application=world.sales, name="Pipeline")
    response = world.client_for("erin").post(
        board_url("rename", widget_board), {"name": "SALES FORECAST"}
    )
    assert "already has a board called SALES FORECAST" in response.content.decode()
    assert "Rename Pipeline" in response.content.decode()
    widget_board.refresh_from_db()
    assert widget_board.name == "Pipeline"


def test_duplicating_copies_every_widget_in_order(world, connection):
    board = world.sales_board
    add_action(board, connection, button_label="Refresh", confirm_before_sending=True)
    widget_create(board=board, kind=Widget.Kind.TEXT, title="Notes", text="Read me")
    client = world.client_for("erin")
    form = client.get(board_url("duplicate", board)).content.decode()
    assert 'value="Sales Forecast (copy)"' in form
    assert "all 2 of its widgets" in form
    response = client.post(board_url("duplicate", board), {"name": "Sales Forecast (copy)"})
    copy = Board.objects.get(name="Sales Forecast (copy)")
    assert response["Location"] == reverse("boards:edit", args=[copy.pk])
    fields = ("kind", "position", "title", "connection_id", "button_label", "text")
    original = list(board.widgets.values_list(*fields))
    assert list(copy.widgets.values_list(*fields)) == original
    assert copy.widgets.get(kind=Widget.Kind.ACTION).confirm_before_sending
    assert board.widgets.count() == 2  # the original keeps its own
    entry = AuditEntry.objects.get(action=AuditEntry.Action.BOARD_DUPLICATED)
    assert entry.changes == {"Copied from": "Sales Forecast", "Widgets": 2}


def test_deleting_names_the_widgets_that_go_and_keeps_the_delivery_log(world, connection):
    board = world.sales_board
    action = add_action(board, connection)
    widget_create(board=board, kind=Widget.Kind.TEXT, text="Read me")
    delivery = delivery_for(action, world.victor)
    client = world.client_for("erin")
    page = client.get(board_url("delete", board)).content.decode()
    assert "Its 2 widgets go with it" in page
    assert "Delete board and 2 widgets" in page
    response = client.post(board_url("delete", board))
    assert response["Location"] == reverse("workspace:home")
    assert not Board.objects.filter(pk=board.pk).exists()
    assert not Widget.objects.filter(board_id=board.pk).exists()
    assert Delivery.objects.filter(pk=delivery.pk).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.BOARD_DELETED)
    assert entry.subject_name == "Sales Forecast (Sales Planning)"
    assert entry.changes == {"Widgets removed": 2}


def test_an_empty_board_says_so_before_it_is_deleted(world):
    board = Board.objects.create(application=world.sales, name="Empty")
    page = world.client_for("erin").get(board_url("delete", board)).content.decode()
    assert "It has no widgets" in page
    assert ">Delete board</button>" in page


def test_the_home_page_offers_changes_only_where_the_user_may_make_them(world):
    erin = world.client_for("erin").get(reverse("workspace:home")).content.decode()
    assert create_url(world) in erin
    assert board_url("rename", world.sales_board) in erin
    assert "Workforce" not in erin  # erin holds no role there: not even listed
    victor = world.client_for("victor").get(reverse("workspace:home")).content.decode()
    assert board_url("detail", world.sales_board) in victor
    assert create_url(world) not in victor
    assert "Rename" not in victor and "Delete" not in victor
    alice = world.client_for("alice").get(reverse("workspace:home")).content.decode()
    assert create_url(world, world.workforce) in alice
    assert board_url("delete", world.workforce_board) in alice


def test_board_changes_show_in_the_audit_trail(world):
    world.client_for("erin").post(create_url(world), {"name": "Q4"})
    trail = world.client_for("alice").get(reverse("integrations:audit_list")).content.decode()
    assert "Board created" in trail and "Q4 (Sales Planning)" in trail
