from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from workspace.forms import WorkspaceChoiceForm
from workspace.http import AuthenticatedHttpRequest
from workspace.models import Membership
from workspace.selectors import (
    applications_configurable_by,
    applications_openable_by,
    membership_for_user,
)
from workspace.services import workspace_choose
from workspace.throttling import sign_in_failures_exceeded


def sign_in(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST" and sign_in_failures_exceeded(request, count_one_more=False):
        context = {
            "form": AuthenticationForm(request),
            "throttled": True,
            "next": request.POST.get("next", ""),
        }
        return render(request, "registration/login.html", context, status=429)
    response = LoginView.as_view()(request)
    if request.method == "POST" and not request.user.is_authenticated:
        sign_in_failures_exceeded(request, count_one_more=True)
    return response


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = membership_for_user(user=request.user)
    if membership is None:
        # Signed in, but nobody added them yet: say so, rather than a "not found".
        return render(request, "workspace/no_workspace.html")
    workspace = membership.workspace
    applications = applications_openable_by(user=request.user).prefetch_related("boards")
    # Where the user may create, rename, duplicate and delete boards.
    configurable = set(applications_configurable_by(user=request.user).values_list("pk", flat=True))
    context = {"workspace": workspace, "applications": applications, "configurable": configurable}
    return render(request, "workspace/home.html", context)


@login_required
@require_POST
def workspace_switch(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = WorkspaceChoiceForm(request.POST, user=request.user)
    if not form.is_valid():
        # Only a stale page or a hand-made request gets here: the menu lists the user's own.
        text = " ".join(
            str(error) for error in form.errors.get("workspace", ["Choose a workspace."])
        )
        return render(request, "workspace/switch_refused.html", {"text": text}, status=400)
    membership = workspace_choose(user=request.user, workspace=form.cleaned_data["workspace"])
    messages.success(request, f"You are now working in {membership.workspace.name}.")
    return redirect(_page_after_switch(request, form.cleaned_data["next"], membership))


def _page_after_switch(request: HttpRequest, next_url: str, membership: Membership) -> str:
    """Stay on a section's page (Integrations, API keys…) when it exists in every workspace and
    the user may open it in the new one; a page of one object (a board, a connection) belongs to
    the old workspace, so those land on the home page."""
    home = reverse("workspace:home")
    if not next_url or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return home
    try:
        match = resolve(next_url.split("?", 1)[0])
    except Resolver404:
        return home
    if match.kwargs or match.view_name.startswith("admin:"):
        return home
    if match.view_name != "workspace:home" and membership.role != Membership.Role.ADMIN:
        return home
    return next_url
