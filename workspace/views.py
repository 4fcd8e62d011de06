from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workspace.selectors import applications_openable_by, workspace_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    workspace = workspace_for_user(user=request.user)
    applications = applications_openable_by(user=request.user).prefetch_related("boards")
    return render(
        request,
        "workspace/home.html",
        {"workspace": workspace, "applications": applications},
    )
