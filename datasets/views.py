"""Integrations → Datasets: a read-only overview for Workspace Admins (ids for the import API)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from datasets.selectors import dataset_list, import_configuration_list, import_job_recent
from workspace.selectors import workspace_for_admin


@login_required
def dataset_list_view(request: HttpRequest) -> HttpResponse:
    workspace = workspace_for_admin(user=request.user)
    context = {
        "datasets": dataset_list(workspace=workspace),
        "configurations": import_configuration_list(workspace=workspace),
        "imports": import_job_recent(workspace=workspace),
        "push_url": request.build_absolute_uri("/api/v1/import/push/csv"),
    }
    return render(request, "datasets/dataset_list.html", context)
