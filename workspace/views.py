from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from workspace.http import AuthenticatedHttpRequest
from workspace.selectors import (
    applications_configurable_by,
    applications_openable_by,
    membership_for_user,
)
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
