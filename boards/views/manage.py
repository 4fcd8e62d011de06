"""Boards in the product: create, rename, duplicate and delete, for those who may configure an
application's boards (its configure role, or a Workspace Admin). Plain forms: every step works
without JavaScript."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from boards.board_services import (
    board_create,
    board_delete,
    board_duplicate,
    board_rename,
    board_widget_count,
)
from boards.forms import BoardNameForm
from boards.models import Board
from boards.selectors import application_get_for_configurer, board_get_for_editor
from workspace.decorators import signed_in
from workspace.http import AuthenticatedHttpRequest

FORM = "boards/board_name_form.html"


def _saved(form: BoardNameForm, save: Callable[[str], Board]) -> Board | None:
    """Run `save(name)` for a valid form; a rule it breaks goes on the name field."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data["name"])
    except ValidationError as error:
        for message in error.message_dict.get("name", error.messages):
            form.add_error("name", message)
        return None


@signed_in
@require_http_methods(["GET", "POST"])
def board_create_view(request: AuthenticatedHttpRequest, application_pk: int) -> HttpResponse:
    application = application_get_for_configurer(user=request.user, application_id=application_pk)
    form = BoardNameForm(request.POST or None)
    if request.method == "POST":
        board = _saved(
            form,
            lambda name: board_create(application=application, name=name, actor=request.user),
        )
        if board is not None:
            messages.success(request, f"Board “{board}” created. Add its first widget.")
            return redirect("boards:edit", pk=board.pk)
    context = {"form": form, "application": application, "step": "create"}
    return render(request, FORM, context)


@signed_in
@require_http_methods(["GET", "POST"])
def board_rename_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    board = board_get_for_editor(user=request.user, board_id=pk)
    old_name = board.name
    form = BoardNameForm(request.POST or None, initial={"name": board.name})
    if request.method == "POST":
        renamed = _saved(
            form, lambda name: board_rename(board=board, name=name, actor=request.user)
        )
        if renamed is not None:
            messages.success(request, f"Board “{old_name}” is now “{board.name}”.")
            return redirect("workspace:home")
        board.name = old_name  # the page names the board as it still is
    context = {"form": form, "application": board.application, "board": board, "step": "rename"}
    return render(request, FORM, context)


@signed_in
@require_http_methods(["GET", "POST"])
def board_duplicate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    board = board_get_for_editor(user=request.user, board_id=pk)
    form = BoardNameForm(request.POST or None, initial={"name": f"{board.name} (copy)"})
    if request.method == "POST":
        copy = _saved(
            form, lambda name: board_duplicate(board=board, name=name, actor=request.user)
        )
        if copy is not None:
            messages.success(request, f"Board “{copy}” created as a copy of “{board.name}”.")
            return redirect("boards:edit", pk=copy.pk)
    context = {
        "form": form,
        "application": board.application,
        "board": board,
        "step": "duplicate",
        "widgets": board_widget_count(board=board),
    }
    return render(request, FORM, context)


@signed_in
@require_http_methods(["GET", "POST"])
def board_delete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    board = board_get_for_editor(user=request.user, board_id=pk)
    if request.method == "POST":
        name = board.name
        board_delete(board=board, actor=request.user)
        messages.success(request, f"Board “{name}” deleted.")
        return redirect("workspace:home")
    context = {"board": board, "widgets": board_widget_count(board=board)}
    return render(request, "boards/board_delete.html", context)
