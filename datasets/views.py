"""Integrations → Datasets, for Workspace Admins: the overview (ids for the import API), adding
datasets and import configurations, choosing which applications may show a dataset, and
deleting them."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from datasets.forms import (
    ApplicationAccessForm,
    DatasetForm,
    ImportConfigurationForm,
    apply_service_errors,
    column_formset,
)
from datasets.selectors import (
    dataset_get_for_admin,
    dataset_list,
    dataset_widget_list,
    import_configuration_get_for_admin,
    import_configuration_list,
    import_job_recent,
)
from datasets.services import (
    dataset_access_update,
    dataset_create,
    dataset_delete,
    import_configuration_create,
    import_configuration_delete,
)
from workspace.decorators import signed_in
from workspace.http import AuthenticatedHttpRequest
from workspace.selectors import workspace_for_admin


@signed_in
def dataset_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    workspace = workspace_for_admin(user=request.user)
    # ?import=<id>: only that import (the delivery log links each call's results here).
    import_id = _uuid_or_none(request.GET.get("import", ""))
    context = {
        "datasets": dataset_list(workspace=workspace),
        "configurations": import_configuration_list(workspace=workspace),
        "imports": import_job_recent(workspace=workspace, import_id=import_id),
        "one_import": import_id is not None,
        "push_url": request.build_absolute_uri("/api/v1/import/push/csv"),
    }
    return render(request, "datasets/dataset_list.html", context)


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


@signed_in
@require_http_methods(["GET", "POST"])
def dataset_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    workspace = workspace_for_admin(user=request.user)
    posted = request.POST if request.method == "POST" else None
    # "More column rows" re-shows the form with extra blank rows; it saves nothing.
    more_rows = posted is not None and "more_rows" in posted
    if more_rows and posted is not None:
        initial = {"name": posted.get("name", ""), "applications": posted.getlist("applications")}
        form = DatasetForm(initial=initial, workspace=workspace)
    else:
        form = DatasetForm(posted, workspace=workspace)
    columns = column_formset(posted, more_rows=more_rows)
    column_errors: list[str] = []
    # `&`, not `and`: validate both, so every mistake shows at once.
    if posted is not None and not more_rows and form.is_valid() & columns.is_valid():
        try:
            dataset = dataset_create(
                workspace=workspace,
                name=form.cleaned_data["name"],
                columns=columns.columns(),
                applications=form.cleaned_data["applications"],
            )
        except ValidationError as error:
            column_errors = apply_service_errors(error, form)
        else:
            messages.success(request, f"Dataset “{dataset.name}” added.")
            return redirect("datasets:list")
    context = {"form": form, "columns": columns, "column_errors": column_errors}
    return render(request, "datasets/dataset_create.html", context)


@signed_in
@require_http_methods(["GET", "POST"])
def dataset_access_view(request: AuthenticatedHttpRequest, dataset_id: int) -> HttpResponse:
    dataset = dataset_get_for_admin(user=request.user, dataset_id=dataset_id)
    form = ApplicationAccessForm(
        # Not `request.POST or None`: unticking every box posts nothing, and that is an answer.
        request.POST if request.method == "POST" else None,
        workspace=dataset.workspace,
        initial={"applications": list(dataset.applications.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            dataset_access_update(dataset=dataset, applications=form.cleaned_data["applications"])
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(request, f"Application access of “{dataset.name}” saved.")
            return redirect("datasets:list")
    context = {"dataset": dataset, "form": form, "widgets": dataset_widget_list(dataset=dataset)}
    return render(request, "datasets/dataset_access.html", context)


@signed_in
@require_http_methods(["GET", "POST"])
def dataset_delete_view(request: AuthenticatedHttpRequest, dataset_id: int) -> HttpResponse:
    dataset = dataset_get_for_admin(user=request.user, dataset_id=dataset_id)
    if request.method == "POST":
        dataset_delete(dataset=dataset)
        messages.success(request, f"Dataset “{dataset.name}” deleted.")
        return redirect("datasets:list")
    context = {
        "dataset": dataset,
        "widgets": dataset_widget_list(dataset=dataset),
        "configurations": dataset.import_configurations.all(),
    }
    return render(request, "datasets/dataset_delete.html", context)


@signed_in
@require_http_methods(["GET", "POST"])
def import_configuration_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    workspace = workspace_for_admin(user=request.user)
    form = ImportConfigurationForm(request.POST or None, workspace=workspace)
    if request.method == "POST" and form.is_valid():
        try:
            configuration = import_configuration_create(workspace=workspace, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(
                request,
                f"Import configuration “{configuration.name}” added; its id is {configuration.pk}.",
            )
            return redirect("datasets:list")
    return render(request, "datasets/import_configuration_create.html", {"form": form})


@signed_in
@require_http_methods(["GET", "POST"])
def import_configuration_delete_view(
    request: AuthenticatedHttpRequest, configuration_id: int
) -> HttpResponse:
    configuration = import_configuration_get_for_admin(
        user=request.user, configuration_id=configuration_id
    )
    if request.method == "POST":
        import_configuration_delete(configuration=configuration)
        messages.success(request, f"Import configuration “{configuration.name}” deleted.")
        return redirect("datasets:list")
    context = {"configuration": configuration}
    return render(request, "datasets/import_configuration_delete.html", context)
