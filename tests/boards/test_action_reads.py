"""The Action button's one-statement read answers exactly what the ORM selectors answer: the
same board, widget, connection and card for everyone who may open the board, and a 404 for
everyone else."""

import pytest
from django.db import connection as db_connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from boards.action_reads import action_card_get
from boards.models import Widget
from boards.selectors import board_get_for_viewer, widget_card_get
from integrations.models import Connection
from tests.support.personas import PERSONAS, persona_user
from workspace.models import ApplicationRole, Membership
from workspace.services import application_role_ensure, membership_ensure, workspace_choose

pytestmark = pytest.mark.django_db

Kind = Widget.Kind


def orm_read(user, board_id: int, widget_id: int):
    board = board_get_for_viewer(user=user, board_id=board_id)
    return board, widget_card_get(board=board, widget_id=widget_id, kind=Kind.ACTION)


def either(read, user, board_id, widget_id):
    try:
        return read(user, board_id, widget_id)
    except Http404:
        return None


def fast_read(user, board_id: int, widget_id: int):
    return action_card_get(user=user, board_id=board_id, widget_id=widget_id)


def assert_same(world, user, board_id, widget_id):
    expected = either(orm_read, user, board_id, widget_id)
    found = either(fast_read, user, board_id, widget_id)
    if expected is None:
        assert found is None
        return
    assert found is not None
    (board, card), (orm_board, orm_card) = found, expected
    assert board == orm_board and board.application == orm_board.application
    assert board.application.workspace == orm_board.application.workspace
    assert card.widget == orm_card.widget
    assert card.unavailable_reason == orm_card.unavailable_reason
    assert card.label == orm_card.label and card.heading == orm_card.heading
    widget, orm_widget = card.widget, orm_card.widget
    for field in Widget._meta.concrete_fields:
        assert getattr(widget, field.attname) == getattr(orm_widget, field.attname), field.name
    if orm_widget.connection is None:
        assert widget.connection is None
    else:
        for field in ("id", "name", "host", "enabled", "workspace_id", "updated_at"):
            assert getattr(widget.connection, field) == getattr(orm_widget.connection, field)
        # The secrets stay deferred: nothing decrypted to draw a button.
        assert {"url", "headers", "body"} <= widget.connection.get_deferred_fields()
    assert widget.connection_granted == orm_widget.connection_granted


@pytest.fixture
def widgets(world, make_connection):
    shared = make_connection()
    elsewhere = make_connection("Workforce only", applications=[world.workforce])
    return {
        "shared": Widget.objects.create(
            board=world.sales_board, kind=Kind.ACTION, connection=shared, button_label="Go"
        ),
        "not shared": Widget.objects.create(
            board=world.sales_board, kind=Kind.ACTION, connection=elsewhere
        ),
        "no connection": Widget.objects.create(board=world.sales_board, kind=Kind.ACTION),
        "text": Widget.objects.create(board=world.sales_board, kind=Kind.TEXT, text="Hi"),
        "other board": Widget.objects.create(
            board=world.workforce_board, kind=Kind.ACTION, connection=elsewhere
        ),
    }


@pytest.mark.parametrize("persona", [*PERSONAS, "root"])
@pytest.mark.parametrize("name", ["shared", "not shared", "no connection", "text", "other board"])
def test_it_answers_as_the_orm_selectors_for_every_persona(world, widgets, persona, name):
    user = persona_user(world, persona)
    for board in (world.sales_board, world.workforce_board, world.globex_board):
        assert_same(world, user, board.pk, widgets[name].pk)


def test_a_disabled_connection_reads_as_unavailable_in_both(world, widgets):
    Connection.objects.filter(pk=widgets["shared"].connection_id).update(enabled=False)
    assert_same(world, world.victor, world.sales_board.pk, widgets["shared"].pk)
    _, card = fast_read(world.victor, world.sales_board.pk, widgets["shared"].pk)
    assert card.unavailable_reason


def test_it_follows_the_workspace_the_user_switched_to(world, widgets):
    membership_ensure(workspace=world.globex, user=world.victor, role=Membership.Role.MEMBER)
    application_role_ensure(
        application=world.globex_app, user=world.victor, level=ApplicationRole.Level.OPEN
    )
    board, widget = world.sales_board.pk, widgets["shared"].pk
    assert fast_read(world.victor, board, widget)
    workspace_choose(user=world.victor, workspace=world.globex)
    assert either(fast_read, world.victor, board, widget) is None
    assert_same(world, world.victor, board, widget)
    workspace_choose(user=world.victor, workspace=world.acme)
    assert_same(world, world.victor, board, widget)
    assert fast_read(world.victor, board, widget)


def test_it_is_one_statement(world, widgets):
    with CaptureQueriesContext(db_connection) as queries:
        fast_read(world.victor, world.sales_board.pk, widgets["shared"].pk)
    assert len(queries) == 1
