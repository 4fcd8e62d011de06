"""The one read behind every request an Action button makes (confirm, click, outcome polls).

A click's budget is a few times a bare POST, and assembling the ORM's queries for "the user may
open this board" and "this Action widget of it, with its connection and whether the connection is
shared" cost more than running them. So it is one hand-written statement, hydrated into the same
model instances `select_related` would give (boards/row_reads.py).

It answers exactly what `board_get_for_viewer` and `widget_card_get(kind=ACTION)` answer
(tests/boards/test_action_reads.py holds the two side by side): the board of the workspace the
user works in (their current membership), which they administer or hold a role on, and the
widget of that board. Anything else is a 404, whatever the reason.
"""

from __future__ import annotations

from django.db import connection as db_connection
from django.http import Http404

from boards.board_reads import current_membership_join
from boards.kinds import WidgetCard, kind_for
from boards.models import Board, Widget
from boards.row_reads import Part, RowRead
from boards.selectors import CONNECTION_SECRETS
from integrations.models import Connection
from workspace.models import Application, ApplicationRole, Membership, Workspace
from workspace.selectors import AnyUser

# The connection's URL, headers and body stay deferred, as on the board: never decrypted here.
_SECRETS = {name.split("__", 1)[1] for name in CONNECTION_SECRETS}
_READ = RowRead(
    [
        Part(Widget, "w", Widget._meta.concrete_fields),
        Part(Board, "b", Board._meta.concrete_fields),
        Part(Application, "a", Application._meta.concrete_fields),
        Part(Workspace, "ws", Workspace._meta.concrete_fields),
        Part(
            Connection,
            "c",
            [field for field in Connection._meta.concrete_fields if field.name not in _SECRETS],
        ),
    ]
)
_SQL: dict[str, str] = {}  # per database vendor: the names are quoted as it quotes them


def _sql() -> str:
    vendor = db_connection.vendor
    if vendor in _SQL:
        return _SQL[vendor]
    quote = db_connection.ops.quote_name
    tables = {part.model: quote(part.model._meta.db_table) for part in _READ.parts}
    shared = quote(Connection.applications.through._meta.db_table)
    roles = quote(ApplicationRole._meta.db_table)
    _SQL[vendor] = (
        f"SELECT {_READ.columns()}, EXISTS (SELECT 1 FROM {shared} ca"  # noqa: S608 (names from the models)
        " WHERE ca.connection_id = w.connection_id AND ca.application_id = b.application_id)"
        f" FROM {tables[Widget]} w"
        f" JOIN {tables[Board]} b ON b.id = w.board_id"
        f" JOIN {tables[Application]} a ON a.id = b.application_id"
        f" JOIN {tables[Workspace]} ws ON ws.id = a.workspace_id"
        f" LEFT JOIN {tables[Connection]} c ON c.id = w.connection_id"
        f"{current_membership_join()}"
        " WHERE w.id = %s AND w.board_id = %s AND w.kind = %s AND (m.role = %s"
        f" OR EXISTS (SELECT 1 FROM {roles} r WHERE r.application_id = a.id AND r.user_id = %s))"
    )
    return _SQL[vendor]


def action_card_get(*, user: AnyUser, board_id: int, widget_id: int) -> tuple[Board, WidgetCard]:
    """The board and its Action widget's card, for a user who may open the board; else 404."""
    if not user.is_authenticated:
        raise Http404("Page not found.")
    params: list[int | str] = [user.pk, widget_id, board_id, Widget.Kind.ACTION.value]
    params += [Membership.Role.ADMIN.value, user.pk]
    with db_connection.cursor() as cursor:
        cursor.execute(_sql(), params)
        row = cursor.fetchone()
    if row is None:
        raise Http404("Page not found.")
    (widget, board, application, workspace, connection), (granted,) = _READ.instances(row)
    assert isinstance(widget, Widget) and isinstance(board, Board)
    assert isinstance(application, Application) and isinstance(workspace, Workspace)
    application.workspace = workspace
    board.application = application
    widget.board = board
    widget.connection = connection if widget.connection_id is not None else None  # type: ignore[assignment]
    widget.connection_granted = bool(granted)  # type: ignore[attr-defined]
    widget.dataset_granted = False  # type: ignore[attr-defined]
    return board, kind_for(widget.kind).read_card(widget, board)  # type: ignore[arg-type]
