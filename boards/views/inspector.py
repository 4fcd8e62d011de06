"""The inspector: with JavaScript, + Add a Widget and each widget's Edit open in a side panel of
the board (htmx) instead of pages of their own. The same forms, services and permission checks
as the pages (boards/views/widgets.py); only what is drawn differs. The live preview renders an
unsaved widget built from the form: it validates and saves nothing."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from boards.forms import WidgetForm
from boards.kinds import kind_for, kind_for_slug
from boards.models import Board, Widget
from boards.selectors import board_get_for_editor, board_page_get, widget_card_get
from workspace.decorators import signed_in
from workspace.http import AuthenticatedHttpRequest

PANEL = "boards/inspector.html"
WIDGET_FIELDS = {field.name for field in Widget._meta.concrete_fields}


def page_or_panel(
    request: AuthenticatedHttpRequest, page: str, panel: str, context: dict[str, Any]
) -> HttpResponse:
    """The full page, or (for htmx) the inspector's partial of the same screen. One URL answers
    both, so the response varies on HX-Request: a cached panel must never stand in for a page."""
    template = f"{PANEL}#{panel}" if request.htmx else page
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def form_preview(*, board: Board, form: WidgetForm, widget: Widget | None) -> dict[str, Any]:
    """The preview beside the inspector's form: the saved widget when Edit opens, else what the
    form holds so far."""
    if widget is not None and not form.is_bound:
        return {"card": widget_card_get(board=board, widget_id=widget.pk), "hint": ""}
    return widget_preview(board=board, form=form)


def panel_saved(
    request: AuthenticatedHttpRequest, *, board: Board, widget: Widget, words: str
) -> HttpResponse:
    """A save from the panel: the board's grid redrawn in place (where widget_place_new put a new
    widget), and an event telling static/js/board-inspector.js to close the panel and focus it."""
    page = board_page_get(user=request.user, board_id=board.pk, editing=True)
    response = render(request, "boards/board.html#grid", page.grid_context())
    response = reswap(retarget(response, "#board-grid"), "outerHTML")
    return trigger_client_event(
        response, "inspector-saved", {"widget": widget.pk, "message": words}, after="settle"
    )


@signed_in
@require_POST
def widget_preview_view(request: AuthenticatedHttpRequest, pk: int, slug: str) -> HttpResponse:
    """The widget as the posted form would draw it. Checks the board as Add and Edit do (builders
    only, else 404); saves nothing."""
    board = board_get_for_editor(user=request.user, board_id=pk)
    kind = kind_for_slug(slug)
    if kind is None:
        raise Http404("No such kind of widget.")
    form = kind.form_class(request.POST, board=board)
    return render(request, f"{PANEL}#preview", widget_preview(board=board, form=form))


def widget_preview(*, board: Board, form: WidgetForm) -> dict[str, Any]:
    """An unsaved widget from what the form holds (its valid fields; an unbound form as if
    posted empty), its card, and a hint for what is still missing."""
    if not form.is_bound:
        form = type(form)({}, board=board)
    form.is_valid()  # fills cleaned_data with every field that is valid so far
    values = {
        name: value
        for name, value in form.cleaned_data.items()
        if name in WIDGET_FIELDS and value is not None
    }
    widget = Widget(board=board, kind=form.kind, **values)
    card, hint = kind_for(widget.kind).preview(widget)
    return {"card": card, "hint": hint}
