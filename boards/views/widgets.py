"""Edit mode: adding, changing, placing and removing widgets (configure role or admin)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from boards.forms import WidgetForm
from boards.kinds import kind_for, kind_for_slug
from boards.layout import COLUMNS, MAX_HEIGHT
from boards.layout_services import board_layout_save, widget_nudge
from boards.models import Board, Widget
from boards.selectors import board_get_for_editor, board_page_get, widget_get_for_board
from boards.services import widget_create, widget_delete, widget_update
from boards.views.inspector import form_preview, page_or_panel, panel_saved
from workspace.decorators import signed_in
from workspace.http import AuthenticatedHttpRequest


def _edit_url(board: Board, widget: Widget | None = None) -> str:
    url = reverse("boards:edit", args=[board.pk])
    return f"{url}#widget-{widget.pk}" if widget is not None else url


def _errors_onto_form(form: WidgetForm, error: ValidationError) -> None:
    """A service's field-keyed errors go next to their field; anything else above the form."""
    for field, field_messages in error.message_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, field_messages)


@signed_in
@require_GET
def widget_add_choose(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """+ Add a Widget: first the kind, then (for Action) the kind of integration. With htmx, the
    inspector's panel of the same choice."""
    board = board_get_for_editor(user=request.user, board_id=pk)
    step = "action" if request.GET.get("kind") == "action" else "kind"
    context = {"board": board, "step": step}
    return page_or_panel(request, "boards/widget_choose.html", "choose", context)


@signed_in
@require_http_methods(["GET", "POST"])
def widget_add(request: AuthenticatedHttpRequest, pk: int, slug: str) -> HttpResponse:
    board = board_get_for_editor(user=request.user, board_id=pk)
    kind = kind_for_slug(slug)
    if kind is None:
        raise Http404("No such kind of widget.")
    form = kind.form_class(request.POST if request.method == "POST" else None, board=board)
    if form.is_bound and form.is_valid():
        try:
            widget = widget_create(board=board, kind=form.kind, **form.service_kwargs())
        except ValidationError as error:
            _errors_onto_form(form, error)
        else:
            words = f"{widget.get_kind_display()} widget added to the board."
            if request.htmx:
                return panel_saved(request, board=board, widget=widget, words=words)
            messages.success(request, words)
            return redirect(_edit_url(board, widget))
    return _form_page_or_panel(request, board=board, form=form, widget=None)


@signed_in
@require_http_methods(["GET", "POST"])
def widget_edit(request: AuthenticatedHttpRequest, pk: int, widget_pk: int) -> HttpResponse:
    board = board_get_for_editor(user=request.user, board_id=pk)
    widget = widget_get_for_board(board=board, widget_id=widget_pk)
    form_class = kind_for(widget.kind).form_class
    data = request.POST if request.method == "POST" else None
    form = form_class(data, board=board, initial=form_class.initial_from(widget))
    if form.is_bound and form.is_valid():
        try:
            widget_update(widget=widget, **form.service_kwargs())
        except ValidationError as error:
            _errors_onto_form(form, error)
        else:
            if request.htmx:
                return panel_saved(request, board=board, widget=widget, words="Widget saved.")
            messages.success(request, "Widget saved.")
            return redirect(_edit_url(board, widget))
    return _form_page_or_panel(request, board=board, form=form, widget=widget)


def _form_page_or_panel(
    request: AuthenticatedHttpRequest, *, board: Board, form: WidgetForm, widget: Widget | None
) -> HttpResponse:
    """The widget form's page, or (htmx) the inspector's panel with its live preview. Errors come
    back the same way, the error summary on top."""
    context = {
        "board": board,
        "form": form,
        "widget": widget,
        "adding": widget is None,
        "slug": kind_for(form.kind).slug,
    }
    if request.htmx:
        context.update(form_preview(board=board, form=form, widget=widget))
    return page_or_panel(request, "boards/widget_form.html", "form", context)


@signed_in
@require_POST
def widget_step(request: AuthenticatedHttpRequest, pk: int, widget_pk: int) -> HttpResponse:
    """One move or resize step (the keyboard and no-JavaScript side of drag and resize). HTMX
    swaps the redrawn grid in place; without JS, back to Edit mode."""
    board = board_get_for_editor(user=request.user, board_id=pk)
    widget = widget_get_for_board(board=board, widget_id=widget_pk)
    step = request.POST.get("step", "")
    try:
        widget_nudge(widget=widget, step=step)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    if request.htmx:
        page = board_page_get(user=request.user, board_id=pk, editing=True)
        context = page.grid_context()
        moved = next((card.widget for card in page.cards if card.widget.pk == widget.pk), None)
        if moved is not None and step_at_limit(moved, step):
            # The pressed button comes back disabled and cannot keep focus: the widget's Remove
            # link takes it, so keyboard users stay on this widget.
            context["moved"] = moved.pk
        return render(request, "boards/board.html#grid", context)
    return redirect(_edit_url(board, widget))


@signed_in
@require_POST
def board_layout(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A drag or resize from Edit mode: {"widgets": [{"id", "x", "y", "w", "h"}, …]}. 204 once
    saved; 400 with a message, and nothing saved, for anything else."""
    board = board_get_for_editor(user=request.user, board_id=pk)
    try:
        posted = json.loads(request.body or b"{}")
        boxes = {
            int(item["id"]): (item["x"], item["y"], item["w"], item["h"])
            for item in posted["widgets"]
        }
        board_layout_save(board=board, boxes=boxes)
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "bad_layout", "message": LAYOUT_SHAPE}, status=400)
    except ValidationError as error:
        return JsonResponse({"error": "bad_layout", "message": error.messages[0]}, status=400)
    return HttpResponse(status=204)


LAYOUT_SHAPE = 'Send the widgets as JSON: {"widgets": [{"id", "x", "y", "w", "h"}, ...]}.'


def step_at_limit(widget: Widget, step: str) -> bool:
    """Whether the button for `step` is disabled for this widget now (see board.html#edit_bar)."""
    limits = {
        "left": widget.grid_x == 0,
        "right": widget.grid_x + widget.grid_w >= COLUMNS,
        "narrower": widget.grid_w <= 1,
        "wider": widget.grid_w >= COLUMNS,
        "shorter": widget.grid_h <= 1,
        "taller": widget.grid_h >= MAX_HEIGHT,
    }
    return limits.get(step, False)


@signed_in
@require_http_methods(["GET", "POST"])
def widget_remove(request: AuthenticatedHttpRequest, pk: int, widget_pk: int) -> HttpResponse:
    """GET asks first; POST removes."""
    board = board_get_for_editor(user=request.user, board_id=pk)
    widget = widget_get_for_board(board=board, widget_id=widget_pk)
    if request.method == "POST":
        widget_delete(widget=widget)
        messages.success(request, "Widget removed from the board.")
        return redirect(_edit_url(board))
    return render(request, "boards/widget_remove.html", {"board": board, "widget": widget})
