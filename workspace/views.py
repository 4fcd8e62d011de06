from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

from workspace.selectors import applications_openable_by, workspace_for_user

# Password guessing: per client address, and per account whatever address it comes from.
SIGN_IN_LIMITS = [("ip", "30/5m"), ("post:username", "10/5m")]


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and any(
        is_ratelimited(request, group=f"sign-in:{key}", key=key, rate=rate, increment=True)
        for key, rate in SIGN_IN_LIMITS
    ):
        context = {
            "form": AuthenticationForm(request),
            "throttled": True,
            "next": request.POST.get("next", ""),
        }
        return render(request, "registration/login.html", context, status=429)
    return LoginView.as_view()(request)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    workspace = workspace_for_user(user=request.user)
    applications = applications_openable_by(user=request.user).prefetch_related("boards")
    return render(
        request,
        "workspace/home.html",
        {"workspace": workspace, "applications": applications},
    )
