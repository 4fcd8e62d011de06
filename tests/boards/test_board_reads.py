"""The board page's one-statement read answers exactly what the ORM selectors answer: the same
board for everyone who may open it, whether they may change it, and a 404 for everyone else."""

import pytest
from django.db import connection as db_connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from boards.board_reads import board_with_rights_get
from boards.selectors import board_get_for_editor, board_get_for_viewer
from tests.support.personas import PERSONAS, persona_user
from workspace.models import ApplicationRole, Membership
from workspace.services import application_role_ensure, membership_ensure, workspace_choose

pytestmark = pytest.mark.django_db


def either(read, user, board_id):
    try:
        return read(user=user, board_id=board_id)
    except Http404:
        return None


def fast(user, board_id, *, editing=False):
    try:
        return board_with_rights_get(user=user, board_id=board_id, editing=editing)
    except Http404:
        return None


def assert_same(user, board_id):
    opened = either(board_get_for_viewer, user, board_id)
    edited = either(board_get_for_editor, user, board_id)
    for editing, expected in ((False, opened), (True, edited)):
        found = fast(user, board_id, editing=editing)
        if expected is None:
            assert found is None, (editing, board_id)
            continue
        assert found is not None, (editing, board_id)
        board, may_edit = found
        assert may_edit == (edited is not None)
        assert board == expected and board.application == expected.application
        assert board.application.workspace == expected.application.workspace
        for field in board._meta.concrete_fields:
            assert getattr(board, field.attname) == getattr(expected, field.attname), field.name
        assert board.application.workspace.name == expected.application.workspace.name


@pytest.mark.parametrize("persona", [*PERSONAS, "root"])
def test_it_answers_as_the_orm_selectors_for_every_persona(world, persona):
    user = persona_user(world, persona)
    for board in (world.sales_board, world.workforce_board, world.globex_board):
        assert_same(user, board.pk)
    assert_same(user, 10**9)


def test_a_role_changed_from_open_to_configure_is_read_at_once(world):
    application_role_ensure(
        application=world.sales, user=world.victor, level=ApplicationRole.Level.OPEN
    )
    assert fast(world.victor, world.sales_board.pk) == (world.sales_board, False)
    application_role_ensure(
        application=world.sales, user=world.victor, level=ApplicationRole.Level.CONFIGURE
    )
    assert fast(world.victor, world.sales_board.pk) == (world.sales_board, True)
    assert fast(world.victor, world.sales_board.pk, editing=True) == (world.sales_board, True)
    assert_same(world.victor, world.sales_board.pk)


def test_it_follows_the_workspace_the_user_switched_to(world):
    membership_ensure(workspace=world.globex, user=world.victor, role=Membership.Role.MEMBER)
    application_role_ensure(
        application=world.globex_app, user=world.victor, level=ApplicationRole.Level.OPEN
    )
    assert fast(world.victor, world.sales_board.pk)
    workspace_choose(user=world.victor, workspace=world.globex)
    assert fast(world.victor, world.sales_board.pk) is None
    assert fast(world.victor, world.globex_board.pk) == (world.globex_board, False)
    for board in (world.sales_board, world.globex_board):
        assert_same(world.victor, board.pk)
    workspace_choose(user=world.victor, workspace=world.acme)
    assert fast(world.victor, world.sales_board.pk)
    assert_same(world.victor, world.globex_board.pk)


def test_it_is_one_statement(world):
    with CaptureQueriesContext(db_connection) as queries:
        fast(world.victor, world.sales_board.pk)
    assert len(queries) == 1
