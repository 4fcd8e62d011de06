"""Integrations → API request: set up, manage, enable/disable and delete connections, and the
audit trail. Workspace Admins only: everyone else gets a 404, anonymous visitors the sign-in page.

Header values and the JSON body are write-only: they arrive in a POST and are never rendered
again, so these views mark them as sensitive for Django's error reports too.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from integrations import address_policy
from integrations.forms import ConnectionForm
from integrations.selectors.audit import audit_entry_page
from integrations.selectors.connections import (
    connection_get_for_admin,
    connection_list_for_admin,
    connection_secret_summary,
    connection_widget_count,
)
from integrations.services import connections as services
from integrations.validators import MAX_BODY_CHARS, MAX_HEADERS_CHARS
from workspace.decorators import signed_in
from workspace.http import AuthenticatedHttpRequest
from workspace.selectors import workspace_for_admin

# The URL is shown to admins, but may carry a token in its query: keep it out of error reports.
SECRET_PARAMETERS = ("url", "headers", "body")
# What the Enable / Disable button posts (templates/integrations/connection_edit.html).
ENABLED_CHOICES = {"1": True, "0": False}


def _limits() -> dict:
    return {
        "calls_per_hour": settings.OUTBOUND_CALLS_PER_HOUR,
        "max_headers": MAX_HEADERS_CHARS,
        "max_body": MAX_BODY_CHARS,
        "egress_ips": settings.OUTBOUND_EGRESS_IPS,
    }


def _go(request: AuthenticatedHttpRequest, url: str) -> HttpResponse:
    # After a successful HTMX post the whole page changes (new pane, list, flash message).
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@signed_in
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    connections = connection_list_for_admin(user=request.user)
    return render(request, "integrations/index.html", {"connection_count": connections.count()})


@signed_in
@require_GET
def connection_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    connections = connection_list_for_admin(user=request.user)
    return render(request, "integrations/connection_list.html", {"connections": connections})


@signed_in
@sensitive_variables()
@sensitive_post_parameters(*SECRET_PARAMETERS)
@require_http_methods(["GET", "POST"])
def connection_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    workspace = workspace_for_admin(user=request.user)
    form = ConnectionForm(request.POST if request.method == "POST" else None, workspace=workspace)
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.connection_create(
                workspace=workspace, actor=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"“{connection.name}” is set up.")
            return _go(request, reverse("integrations:connection_edit", args=[connection.pk]))
    context = {"form": form, "form_action": request.path, **_limits()}
    if request.htmx and request.method == "POST":
        return render(request, "integrations/connection_form.html#connection_form", context)
    return render(request, "integrations/connection_create.html", context)


@signed_in
@sensitive_variables()
@sensitive_post_parameters(*SECRET_PARAMETERS)
@require_http_methods(["GET", "POST"])
def connection_edit(request: AuthenticatedHttpRequest, connection_id: int) -> HttpResponse:
    connection = connection_get_for_admin(user=request.user, connection_id=connection_id)
    form = ConnectionForm.for_connection(
        request.POST if request.method == "POST" else None,
        connection=connection,
        replace=request.GET.getlist("replace"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.connection_update(
                connection=connection, actor=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_error(None, error)
            if _needs_secrets_again(error):
                form.open_replace_boxes()
        else:
            messages.success(request, f"Changes to “{connection.name}” are saved.")
            return _go(request, request.path)
    context = _pane_context(connection, form, request.path)
    if request.htmx:
        template = (
            "integrations/connection_form.html#connection_form"
            if request.method == "POST"
            else "integrations/connection_edit.html#pane"
        )
        return render(request, template, context)
    context["connections"] = connection_list_for_admin(user=request.user)
    return render(request, "integrations/connection_edit.html", context)


def _needs_secrets_again(error: ValidationError) -> bool:
    refusals = error.error_dict.get("url", []) if hasattr(error, "error_dict") else []
    return any(refusal.code == services.NEW_ADDRESS_KEEPS_SECRETS for refusal in refusals)


def _pane_context(connection, form: ConnectionForm, path: str) -> dict:
    return {
        "connection": connection,
        "form": form,
        "form_action": path,
        "secrets": connection_secret_summary(connection=connection),
        "widget_count": connection_widget_count(connection=connection),
        **_limits(),
    }


@signed_in
@require_POST
def connection_set_enabled(request: AuthenticatedHttpRequest, connection_id: int) -> HttpResponse:
    connection = connection_get_for_admin(user=request.user, connection_id=connection_id)
    choice = request.POST.get("enabled")
    if choice not in ENABLED_CHOICES:
        # The Enable/Disable button always sends one of these; anything else is not a choice,
        # and must not quietly switch the connection off.
        return HttpResponseBadRequest(
            "Choose Enable or Disable: enabled must be 1 (enable) or 0 (disable).",
            content_type="text/plain; charset=utf-8",
        )
    enabled = ENABLED_CHOICES[choice]
    widget_count = connection_widget_count(connection=connection)
    if connection.enabled and not enabled and widget_count and not request.POST.get("confirmed"):
        # Buttons on open boards turn unavailable at once: say so before it happens.
        context = {"connection": connection, "widget_count": widget_count}
        return render(request, "integrations/connection_disable.html", context)
    services.connection_set_enabled(connection=connection, actor=request.user, enabled=enabled)
    state = "enabled" if enabled else "disabled: its Action buttons will not send"
    messages.success(request, f"“{connection.name}” is {state}.")
    return _go(request, reverse("integrations:connection_edit", args=[connection.pk]))


@signed_in
@require_http_methods(["GET", "POST"])
def connection_delete(request: AuthenticatedHttpRequest, connection_id: int) -> HttpResponse:
    connection = connection_get_for_admin(user=request.user, connection_id=connection_id)
    if request.method == "POST":
        services.connection_delete(connection=connection, actor=request.user)
        messages.success(request, f"“{connection.name}” is deleted.")
        return _go(request, reverse("integrations:connection_list"))
    widget_count = connection_widget_count(connection=connection)
    return render(
        request,
        "integrations/connection_delete.html",
        {"connection": connection, "widget_count": widget_count},
    )


@signed_in
@sensitive_variables()
@sensitive_post_parameters("url")
@require_POST
def connection_validate_url(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Checks the URL field alone when it loses focus, so the admin sees a problem at once."""
    workspace_for_admin(user=request.user)
    errors: list[str] = []
    url = request.POST.get("url", "").strip()
    if url:
        try:
            address_policy.validate_endpoint_url(url)
        except ValidationError as error:
            errors = error.messages
    return render(request, "integrations/connection_form.html#url_errors", {"url_errors": errors})


@signed_in
@require_GET
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = audit_entry_page(user=request.user, page_number=request.GET.get("page"))
    return render(request, "integrations/audit_list.html", {"page": page})
