"""Admin views of outgoing calls: the connection's Test button, one delivery, the delivery logs
(one connection's, and the whole workspace's)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.models import Delivery
from integrations.selectors.deliveries import (
    calls_left_this_hour,
    connection_calls_left,
    delivery_connection_for_admin,
    delivery_get_for_admin,
    delivery_list_for_connection,
    delivery_list_for_workspace,
)
from integrations.services import SOURCE_TEST, connection_send
from workspace.decorators import signed_in
from workspace.http import AuthenticatedHttpRequest
from workspace.models import Workspace
from workspace.selectors import workspace_for_admin

DELIVERIES_PER_PAGE = 25


class DeliveryFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("", "All outcomes"), *Delivery.Outcome.choices],
        required=False,
        label="Outcome",
    )


@signed_in
@require_POST
def connection_test(request: AuthenticatedHttpRequest, connection_id: int) -> HttpResponse:
    """One real call with the stored settings, counted in the quota like any click."""
    connection = delivery_connection_for_admin(user=request.user, connection_id=connection_id)
    status = connection_send(connection=connection, user=request.user, source=SOURCE_TEST)
    delivery = delivery_get_for_admin(user=request.user, delivery_id=status.delivery_id)
    if request.htmx:
        response = render(
            request, "integrations/delivery_status.html#delivery-result", {"delivery": delivery}
        )
        # The call just took a slot of its host's hourly limit: the count beside it follows.
        calls_left = render(
            request,
            "integrations/_connection_activity.html#calls_left",
            {"connection": connection, "oob": True, **connection_calls_left(connection=connection)},
        )
        response.content += calls_left.content
        return response
    return redirect("integrations:delivery_status", delivery_id=delivery.pk)


@signed_in
@require_GET
def delivery_status(request: AuthenticatedHttpRequest, delivery_id: int) -> HttpResponse:
    """One delivery; HTMX polls its partial until the outcome is final."""
    delivery = delivery_get_for_admin(user=request.user, delivery_id=delivery_id)
    template = "integrations/delivery_status.html"
    if request.htmx:
        template += "#delivery-result"
    return render(request, template, {"delivery": delivery})


@signed_in
@require_GET
def delivery_log(request: AuthenticatedHttpRequest, connection_id: int) -> HttpResponse:
    connection = delivery_connection_for_admin(user=request.user, connection_id=connection_id)
    return _render_delivery_log(
        request,
        "integrations/delivery_log.html",
        workspace=connection.workspace,
        deliveries_with=lambda outcome: delivery_list_for_connection(
            connection=connection, outcome=outcome
        ),
        context={"connection": connection},
    )


@signed_in
@require_GET
def delivery_log_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every call in the workspace, also those whose connection is gone: Workspace Admins only."""
    workspace = workspace_for_admin(user=request.user)
    return _render_delivery_log(
        request,
        "integrations/delivery_log_all.html",
        workspace=workspace,
        deliveries_with=lambda outcome: delivery_list_for_workspace(
            workspace=workspace, outcome=outcome
        ),
        context={"workspace": workspace},
    )


def _render_delivery_log(
    request: AuthenticatedHttpRequest,
    template: str,
    *,
    workspace: Workspace,
    deliveries_with: Callable[[str | None], QuerySet[Delivery]],
    context: dict[str, object],
) -> HttpResponse:
    """One page of a delivery log, filtered by the outcome asked for (None: every outcome)."""
    form = DeliveryFilterForm(request.GET or None)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    deliveries = deliveries_with(outcome or None)
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **context,
        "form": form,
        "outcome": outcome,
        "page": page,
        "quotas": calls_left_this_hour(workspace=workspace),
        "calls_per_hour": settings.OUTBOUND_CALLS_PER_HOUR,
    }
    # Filter changes and page links swap only the table; anything else gets the whole page.
    if request.htmx and request.htmx.target == "delivery-table":
        template += "#delivery-table"
    return render(request, template, context)
