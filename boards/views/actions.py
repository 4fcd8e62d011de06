"""The Action button: confirm, click, and follow the delivery until it has an outcome.

HTMX requests get what goes inside the widget's action region (a partial); without JavaScript
the same forms post normally and the outcome comes back as a message on the board.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from boards.action_reads import action_card_get
from boards.kinds import WidgetCard
from boards.models import Board
from boards.selectors import (
    click_state_context,
    widget_delivery_get,
)
from boards.services import ConfirmationNeeded, WidgetUnavailable, widget_click
from boards.widgets.actions import action_result_words
from integrations.services import DeliveryStatus
from workspace.decorators import signed_in
from workspace.http import AuthenticatedHttpRequest

# HTMX requests get what is inside the widget's action region (the region itself stays put).
REGION = "boards/board.html#action_state"


def _action_card(
    request: AuthenticatedHttpRequest, pk: int, widget_pk: int
) -> tuple[Board, WidgetCard]:
    return action_card_get(user=request.user, board_id=pk, widget_id=widget_pk)


def _board_url(board: Board, card: WidgetCard) -> str:
    return f"{reverse('boards:detail', args=[board.pk])}#widget-{card.widget.pk}"


@signed_in
@require_GET
def widget_confirm(request: AuthenticatedHttpRequest, pk: int, widget_pk: int) -> HttpResponse:
    """The confirmation step: inline in the widget with HTMX, a page of its own without."""
    board, card = _action_card(request, pk, widget_pk)
    context = {"board": board, "card": card, "confirming": True}
    return render(request, REGION if request.htmx else "boards/widget_confirm.html", context)


@signed_in
@require_GET
def widget_action(request: AuthenticatedHttpRequest, pk: int, widget_pk: int) -> HttpResponse:
    """The button at rest (Cancel in the inline confirmation comes back here)."""
    board, card = _action_card(request, pk, widget_pk)
    if not request.htmx:
        return redirect(_board_url(board, card))
    return render(request, REGION, {"board": board, "card": card})


@signed_in
@require_POST
def widget_click_view(request: AuthenticatedHttpRequest, pk: int, widget_pk: int) -> HttpResponse:
    board, card = _action_card(request, pk, widget_pk)
    confirmed = request.POST.get("confirmed") == "1"
    try:
        status = widget_click(
            user=request.user, board=board, widget=card.widget, confirmed=confirmed
        )
    except ConfirmationNeeded:
        # Asked to send without going through the confirmation: ask first, send nothing.
        if request.htmx:
            return render(request, REGION, {"board": board, "card": card, "confirming": True})
        return redirect("boards:widget_confirm", pk=board.pk, widget_pk=card.widget.pk)
    except WidgetUnavailable as refusal:
        if request.htmx:
            refused = replace(card, unavailable_reason=str(refusal))
            return render(request, REGION, {"board": board, "card": refused})
        messages.error(request, str(refusal))
        return redirect(_board_url(board, card))
    if request.htmx:
        return render(request, REGION, click_state_context(board=board, card=card, status=status))
    return _outcome_without_javascript(request, board, card, status)


def _outcome_without_javascript(
    request: AuthenticatedHttpRequest, board: Board, card: WidgetCard, status: DeliveryStatus
) -> HttpResponse:
    """Back to the board with the outcome as a message; a call still under way gets a page
    that says so (the worker may not have finished when this request does)."""
    if not status.final:
        return redirect(
            "boards:widget_delivery",
            pk=board.pk,
            widget_pk=card.widget.pk,
            delivery_pk=status.delivery_id,
        )
    level = messages.SUCCESS if status.succeeded else messages.ERROR
    words = action_result_words(widget=card.widget, status=status)
    messages.add_message(request, level, f"{card.label}: {words}")
    return redirect(_board_url(board, card))


@signed_in
@require_GET
@never_cache
def widget_delivery(
    request: AuthenticatedHttpRequest, pk: int, widget_pk: int, delivery_pk: int
) -> HttpResponse:
    """Where a click stands, in words anyone who may click may read. Polled while pending."""
    board, card = _action_card(request, pk, widget_pk)
    status = widget_delivery_get(user=request.user, widget=card.widget, delivery_id=delivery_pk)
    context = click_state_context(board=board, card=card, status=status)
    return render(request, REGION if request.htmx else "boards/delivery.html", context)
