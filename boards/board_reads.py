"""The one read behind every board page: the board, and whether this user may open and change it.

A board page is the most-opened page there is, and the ORM's way of answering it (the user's
current membership, then the board among the applications it opens, then the same again for
the applications it may configure) was four queries whose assembly cost more than running them.
So it is one hand-written statement, hydrated into the instances `select_related` would give
(boards/row_reads.py).

It answers exactly what `board_get_for_viewer` and `board_get_for_editor` answer
(tests/boards/test_board_reads.py holds them side by side): the board of the workspace
the user works in (their current membership), which they administer or hold a role on (a
configure role, to edit it). Anything else is a 404, whatever the reason.
"""

from __future__ import annotations

from django.db import connection as db_connection
from django.http import Http404

from boards.models import Board
from boards.row_reads import Part, RowRead
from workspace.models import Application, ApplicationRole, Membership, Workspace
from workspace.selectors import AnyUser

_READ = RowRead(
    [
        Part(Board, "b", Board._meta.concrete_fields),
        Part(Application, "a", Application._meta.concrete_fields),
        Part(Workspace, "ws", Workspace._meta.concrete_fields),
    ]
)
_SQL: dict[tuple[str, bool], str] = {}  # per database vendor (its quoting) and editing or not


def current_membership_join() -> str:
    """SQL joining `m`, the user's current membership (first parameter: the user's id), to
    the application `a` when it is of that membership's workspace. Current is what
    membership_for_user picks: the last chosen, else the oldest."""
    memberships = db_connection.ops.quote_name(Membership._meta.db_table)
    return (
        f" JOIN {memberships} m ON m.id = (SELECT m2.id FROM {memberships} m2 WHERE m2.user_id = %s"  # noqa: S608 (the model's table)
        " ORDER BY m2.chosen_at IS NULL, m2.chosen_at DESC, m2.id LIMIT 1)"
        " AND m.workspace_id = a.workspace_id"
    )


def _sql(*, editing: bool) -> str:
    key = (db_connection.vendor, editing)
    if key in _SQL:
        return _SQL[key]
    quote = db_connection.ops.quote_name
    tables = {part.model: quote(part.model._meta.db_table) for part in _READ.parts}
    roles = quote(ApplicationRole._meta.db_table)
    role_held = f"EXISTS (SELECT 1 FROM {roles} r WHERE r.application_id = a.id AND r.user_id = %s"  # noqa: S608 (names from the models)
    may_configure = f"(m.role = %s OR {role_held} AND r.level = %s))"
    may_open = may_configure if editing else f"(m.role = %s OR {role_held}))"
    _SQL[key] = (
        f"SELECT {_READ.columns()}, {may_configure}"  # noqa: S608 (names from the models)
        f" FROM {tables[Board]} b"
        f" JOIN {tables[Application]} a ON a.id = b.application_id"
        f" JOIN {tables[Workspace]} ws ON ws.id = a.workspace_id"
        f"{current_membership_join()}"
        f" WHERE b.id = %s AND {may_open}"
    )
    return _SQL[key]


def board_with_rights_get(
    *, user: AnyUser, board_id: int, editing: bool = False
) -> tuple[Board, bool]:
    """The board, for a user who may open it (change it, when `editing`), and whether they may
    change it; else 404."""
    if not user.is_authenticated:
        raise Http404("Page not found.")
    admin, configure = Membership.Role.ADMIN.value, ApplicationRole.Level.CONFIGURE.value
    params: list[int | str] = [admin, user.pk, configure, user.pk, board_id, admin, user.pk]
    if editing:
        params.append(configure)
    with db_connection.cursor() as cursor:
        cursor.execute(_sql(editing=editing), params)
        row = cursor.fetchone()
    if row is None:
        raise Http404("Page not found.")
    (board, application, workspace), (may_configure,) = _READ.instances(row)
    assert isinstance(board, Board) and isinstance(application, Application)
    assert isinstance(workspace, Workspace)
    application.workspace = workspace
    board.application = application
    return board, bool(may_configure)
