"""The one read behind every request an Action button makes (confirm, click, outcome polls).

A click's budget is a few times a bare POST, and assembling the ORM's queries for "the user may
open this board" and "this Action widget of it, with its connection and whether the connection is
shared" cost more than running them. So it is one hand-written statement, hydrated into the same
model instances `select_related` would give (`Model.from_db`, with each column's converters).

It answers exactly what `board_get_for_viewer` and `widget_card_get(kind=ACTION)` answer
(tests/boards/test_action_reads.py holds the two side by side): the board of the workspace the
user works in (their current membership), which they administer or hold a role on, and the
widget of that board. Anything else is a 404, whatever the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection as db_connection
from django.db.models import Model
from django.http import Http404

from boards.kinds import WidgetCard, kind_for
from boards.models import Board, Widget
from boards.selectors import CONNECTION_SECRETS
from integrations.models import Connection
from workspace.models import Application, ApplicationRole, Membership, Workspace
from workspace.selectors import AnyUser

# The connection's URL, headers and body stay deferred, as on the board: never decrypted here.
_SECRETS = {name.split("__", 1)[1] for name in CONNECTION_SECRETS}
# (model, table alias, the fields read): in the order their columns come in each row.
_PARTS: list[tuple[type[Model], str, list[Any]]] = [
    (Widget, "w", list(Widget._meta.concrete_fields)),
    (Board, "b", list(Board._meta.concrete_fields)),
    (Application, "a", list(Application._meta.concrete_fields)),
    (Workspace, "ws", list(Workspace._meta.concrete_fields)),
    (
        Connection,
        "c",
        [field for field in Connection._meta.concrete_fields if field.name not in _SECRETS],
    ),
]


def _sql() -> str:
    quote = db_connection.ops.quote_name
    columns = ", ".join(
        f"{alias}.{quote(field.column)}" for _, alias, fields in _PARTS for field in fields
    )
    tables = {model: quote(model._meta.db_table) for model, _, _ in _PARTS}
    shared = quote(Connection.applications.through._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    roles = quote(ApplicationRole._meta.db_table)
    # The current membership is the one membership_for_user picks: last chosen, else oldest.
    return (
        f"SELECT {columns}, EXISTS (SELECT 1 FROM {shared} ca"  # noqa: S608 (names from the models)
        " WHERE ca.connection_id = w.connection_id AND ca.application_id = b.application_id)"
        f" FROM {tables[Widget]} w"
        f" JOIN {tables[Board]} b ON b.id = w.board_id"
        f" JOIN {tables[Application]} a ON a.id = b.application_id"
        f" JOIN {tables[Workspace]} ws ON ws.id = a.workspace_id"
        f" LEFT JOIN {tables[Connection]} c ON c.id = w.connection_id"
        f" JOIN {memberships} m ON m.id = (SELECT m2.id FROM {memberships} m2 WHERE m2.user_id = %s"
        " ORDER BY m2.chosen_at IS NULL, m2.chosen_at DESC, m2.id LIMIT 1)"
        " AND m.workspace_id = a.workspace_id"
        " WHERE w.id = %s AND w.board_id = %s AND w.kind = %s AND (m.role = %s"
        f" OR EXISTS (SELECT 1 FROM {roles} r WHERE r.application_id = a.id AND r.user_id = %s))"
    )


@dataclass(frozen=True)
class _Part:
    """How one model's columns in the row become an instance: its field names, and each column's
    converters (the database's and the field's), worked out once rather than per request."""

    model: type[Model]
    attnames: list[str]
    converters: list[tuple[Any, list[Any]]]  # (column, converters) per field


@dataclass(frozen=True)
class _Reader:
    sql: str
    parts: list[_Part]


_READERS: dict[str, _Reader] = {}


def _reader() -> _Reader:
    vendor = db_connection.vendor
    if vendor not in _READERS:
        parts = []
        for model, _, fields in _PARTS:
            columns = [field.get_col(model._meta.db_table) for field in fields]
            converters = [
                (
                    column,
                    db_connection.ops.get_db_converters(column)
                    + field.get_db_converters(db_connection),
                )
                for field, column in zip(fields, columns, strict=True)
            ]
            parts.append(_Part(model, [field.attname for field in fields], converters))
        _READERS[vendor] = _Reader(_sql(), parts)
    return _READERS[vendor]


def action_card_get(*, user: AnyUser, board_id: int, widget_id: int) -> tuple[Board, WidgetCard]:
    """The board and its Action widget's card, for a user who may open the board; else 404."""
    if not user.is_authenticated:
        raise Http404("Page not found.")
    reader = _reader()
    params: list[int | str] = [user.pk, widget_id, board_id, Widget.Kind.ACTION.value]
    params += [Membership.Role.ADMIN.value, user.pk]
    with db_connection.cursor() as cursor:
        cursor.execute(reader.sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Http404("Page not found.")
    instances, start = [], 0
    for part in reader.parts:
        values = row[start : start + len(part.attnames)]
        start += len(part.attnames)
        instances.append(_instance(part, values))
    widget, board, application, workspace, connection = instances
    assert isinstance(widget, Widget) and isinstance(board, Board)
    assert isinstance(application, Application) and isinstance(workspace, Workspace)
    application.workspace = workspace
    board.application = application
    widget.board = board
    widget.connection = connection if widget.connection_id is not None else None  # type: ignore[assignment]
    widget.connection_granted = bool(row[start])  # type: ignore[attr-defined]
    widget.dataset_granted = False  # type: ignore[attr-defined]
    return board, kind_for(widget.kind).read_card(widget, board)  # type: ignore[arg-type]


def _instance(part: _Part, values: tuple[Any, ...]) -> Model | None:
    converted = []
    for (column, converters), value in zip(part.converters, values, strict=True):
        for convert in converters:
            value = convert(value, column, db_connection)
        converted.append(value)
    if converted[0] is None:  # the LEFT JOIN found no row (a widget without a connection)
        return None
    return part.model.from_db(db_connection.alias, part.attnames, converted)
