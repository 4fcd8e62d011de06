"""Workspace Settings → API Keys: list, create (secret shown once), edit, delete.

Create is post/redirect/get: the post makes the key and redirects to a page that shows its
secret once. With htmx the form posts in place, its button disabled until the answer arrives.
"""

from __future__ import annotations

import datetime
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from datasets.api_key_selectors import api_key_get_for_admin, api_key_list
from datasets.api_key_services import (
    ApiKeyCreateResult,
    api_key_create_once,
    api_key_delete,
    api_key_form_token_creating,
    api_key_form_token_issue,
    api_key_is_valid_today,
    api_key_secret_take,
    api_key_update,
    api_key_valid_through,
)
from datasets.models import ApiKey
from workspace.decorators import signed_in
from workspace.http import AuthenticatedHttpRequest
from workspace.selectors import workspace_for_admin

DEFAULT_LIFETIME = datetime.timedelta(days=90)
EXPIRY_HELP = "The first day the key no longer works: it is valid through the day before."
FORM_EXPIRED = (
    "This form has expired, so no key was created. Check the details and create the key again."
)
ALREADY_SHOWN = (
    "There is no new key to show: a new key is shown only once, right after it is created. "
    "If you did not copy it, delete it and create another."
)


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


@signed_in
def api_key_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    workspace = workspace_for_admin(user=request.user)
    keys = [
        {
            "key": key,
            "valid": api_key_is_valid_today(api_key=key),
            "valid_through": api_key_valid_through(api_key=key),
        }
        for key in api_key_list(workspace=workspace)
    ]
    return render(request, "datasets/api_key_list.html", {"keys": keys})


def _show_created(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    url = f"{reverse('datasets:api_key_created')}?{urlencode({'form': token})}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@signed_in
@never_cache
@require_http_methods(["GET", "POST"])
def api_key_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    workspace = workspace_for_admin(user=request.user)
    form = ApiKeyCreateForm(
        request.POST or None,
        initial={"expires_on": timezone.localdate() + DEFAULT_LIFETIME},
    )
    token = request.POST.get("form_token", "")
    if request.method == "POST" and form.is_valid():
        outcome = api_key_create_once(
            workspace=workspace,
            user=request.user,
            form_token=token,
            session=request.session,
            **form.cleaned_data,
        )
        if outcome.result in (ApiKeyCreateResult.CREATED, ApiKeyCreateResult.ALREADY_CREATED):
            return _show_created(request, outcome.form_token)
        if outcome.result is ApiKeyCreateResult.EXPIRED_TOKEN:
            form.add_error(None, FORM_EXPIRED)
        else:  # INVALID, which always carries its errors
            _apply_errors(form, cast(ValidationError, outcome.errors))
        token = outcome.form_token
    else:
        token = api_key_form_token_issue(session=request.session, current=token)
    context = {"form": form, "creating": True, "form_token": token}
    template = "datasets/api_key_form.html"
    return render(request, f"{template}#form" if request.htmx else template, context)


@signed_in
@never_cache
@require_GET
def api_key_created_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The new key's secret, once: the page takes it out of the session as it shows it. A second
    post of the form lands here while the first may still be making the key: then wait."""
    workspace = workspace_for_admin(user=request.user)
    token = request.GET.get("form", "")
    created = api_key_secret_take(session=request.session, token=token, workspace=workspace)
    if created is not None:
        valid_through = api_key_valid_through(api_key=created.api_key)
        context = {
            "created": created,
            "valid_through": valid_through,
            "time_zone": settings.TIME_ZONE,
        }
        return render(request, "datasets/api_key_created.html", context)
    if api_key_form_token_creating(token=token):
        return render(request, "datasets/api_key_created.html", {"waiting": True})
    messages.info(request, ALREADY_SHOWN)
    return redirect("datasets:api_keys")


@signed_in
@require_http_methods(["GET", "POST"])
def api_key_edit_view(request: AuthenticatedHttpRequest, api_key_id: int) -> HttpResponse:
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
            return redirect("datasets:api_keys")
    return render(request, "datasets/api_key_form.html", {"form": form, "api_key": api_key})


@signed_in
@require_http_methods(["GET", "POST"])
def api_key_delete_view(request: AuthenticatedHttpRequest, api_key_id: int) -> HttpResponse:
    api_key = api_key_get_for_admin(user=request.user, api_key_id=api_key_id)
    if request.method == "POST":
        api_key_delete(api_key=api_key, actor=request.user)
        messages.success(request, f"API key “{api_key.name}” deleted.")
        return redirect("datasets:api_keys")
    return render(request, "datasets/api_key_confirm_delete.html", {"api_key": api_key})
