"""Workspace Settings → API Keys: list, create (secret shown once), edit, delete."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from integrations.models import ApiKey
from integrations.selectors.api_keys import api_key_get_for_admin, api_key_list
from integrations.services.api_keys import (
    api_key_create,
    api_key_delete,
    api_key_is_valid_today,
    api_key_update,
    api_key_valid_through,
)
from workspace.selectors import workspace_for_admin

DEFAULT_LIFETIME = datetime.timedelta(days=90)
EXPIRY_HELP = "The key is valid until the end of the day before this date."


class ApiKeyEditForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    expires_on = forms.DateField(
        label="Expiration date",
        help_text=EXPIRY_HELP,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ApiKeyCreateForm(ApiKeyEditForm):
    key_type = forms.ChoiceField(
        label="Key type",
        choices=ApiKey.KeyType.choices,
        widget=forms.RadioSelect,
        initial=ApiKey.KeyType.IMPORT,
        help_text="Import keys push data in through the import API; Export keys read data out.",
    )


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def api_key_list_view(request: HttpRequest) -> HttpResponse:
    workspace = workspace_for_admin(user=request.user)
    keys = [
        {
            "key": key,
            "valid": api_key_is_valid_today(api_key=key),
            "valid_through": api_key_valid_through(api_key=key),
        }
        for key in api_key_list(workspace=workspace)
    ]
    return render(request, "integrations/api_key_list.html", {"keys": keys})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def api_key_create_view(request: HttpRequest) -> HttpResponse:
    workspace = workspace_for_admin(user=request.user)
    form = ApiKeyCreateForm(
        request.POST or None,
        initial={"expires_on": timezone.localdate() + DEFAULT_LIFETIME},
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = api_key_create(
                workspace=workspace, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            # Rendered, not redirected: the secret exists only in this one response.
            context = {
                "created": created,
                "valid_through": api_key_valid_through(api_key=created.api_key),
            }
            return render(request, "integrations/api_key_created.html", context)
    return render(request, "integrations/api_key_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def api_key_edit_view(request: HttpRequest, api_key_id: int) -> HttpResponse:
    api_key = api_key_get_for_admin(user=request.user, api_key_id=api_key_id)
    form = ApiKeyEditForm(
        request.POST or None, initial={"name": api_key.name, "expires_on": api_key.expires_on}
    )
    if request.method == "POST" and form.is_valid():
        try:
            api_key_update(api_key=api_key, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"API key “{api_key.name}” saved.")
            return redirect("integrations:api_keys")
    return render(request, "integrations/api_key_form.html", {"form": form, "api_key": api_key})


@login_required
@require_http_methods(["GET", "POST"])
def api_key_delete_view(request: HttpRequest, api_key_id: int) -> HttpResponse:
    api_key = api_key_get_for_admin(user=request.user, api_key_id=api_key_id)
    if request.method == "POST":
        api_key_delete(api_key=api_key, actor=request.user)
        messages.success(request, f"API key “{api_key.name}” deleted.")
        return redirect("integrations:api_keys")
    return render(request, "integrations/api_key_confirm_delete.html", {"api_key": api_key})
