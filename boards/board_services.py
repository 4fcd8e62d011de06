"""Writes for boards themselves: create, rename, duplicate and delete, each in the audit trail.

Callers have checked that the actor may configure the application's boards
(boards.selectors.board_get_for_editor, application_get_for_configurer); these functions hold
the rules about names. ValidationError is keyed "name"; nothing changes then.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from boards.models import Board, Widget
from integrations.services import AuditAction, audit_record
from workspace.models import Application

NAME_MAX = Board._meta.get_field("name").max_length or 100


def _clean_name(application: Application, name: str, *, other_than: Board | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the board a name."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"Keep the name to {NAME_MAX} characters or fewer."})
    taken = Board.objects.filter(application=application, name__iexact=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    if taken.exists():
        raise ValidationError(
            {"name": f"{application.name} already has a board called {name}. Choose another name."}
        )
    return name


def _audit(board: Board, actor: User, action: str, changes: dict[str, object]) -> None:
    audit_record(
        workspace=board.application.workspace,
        actor=actor,
        action=action,
        subject_name=f"{board.name} ({board.application.name})",
        changes=changes,  # type: ignore[arg-type]  # plain JSON values, as every entry's
    )


@transaction.atomic
def board_create(*, application: Application, name: str, actor: User) -> Board:
    board = Board.objects.create(application=application, name=_clean_name(application, name))
    _audit(board, actor, AuditAction.BOARD_CREATED, {"Name": [None, board.name]})
    return board


@transaction.atomic
def board_rename(*, board: Board, name: str, actor: User) -> Board:
    old = board.name
    board.name = _clean_name(board.application, name, other_than=board)
    if board.name == old:
        return board
    board.save(update_fields=["name"])
    _audit(board, actor, AuditAction.BOARD_RENAMED, {"Name": [old, board.name]})
    return board


@transaction.atomic
def board_duplicate(*, board: Board, name: str, actor: User) -> Board:
    """A new board in the same application with a copy of every widget, in the same order.
    Widgets keep their connection and dataset: the copy sends and shows the same things."""
    copy = Board.objects.create(
        application=board.application, name=_clean_name(board.application, name)
    )
    widgets = list(Widget.objects.filter(board=board).order_by("position", "id"))
    for widget in widgets:
        widget.pk = None
        widget.board = copy
    Widget.objects.bulk_create(widgets)
    _audit(
        copy,
        actor,
        AuditAction.BOARD_DUPLICATED,
        {"Copied from": board.name, "Widgets": len(widgets)},
    )
    return copy


def board_widget_count(*, board: Board) -> int:
    return Widget.objects.filter(board=board).count()


@transaction.atomic
def board_delete(*, board: Board, actor: User) -> None:
    """Delete the board and its widgets. The delivery log keeps its clicks (by name), and open
    copies of the board learn at their next live check that it is gone."""
    widgets = board_widget_count(board=board)
    _audit(board, actor, AuditAction.BOARD_DELETED, {"Widgets removed": widgets})
    board.delete()
