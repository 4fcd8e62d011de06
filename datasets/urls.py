from django.urls import path

from datasets import views
from datasets.api import imports, plumbing

app_name = "datasets"

urlpatterns = [
    path("integrations/datasets/", views.dataset_list_view, name="list"),
    path("integrations/datasets/new/", views.dataset_create_view, name="dataset_create"),
    path(
        "integrations/datasets/<int:dataset_id>/access/",
        views.dataset_access_view,
        name="dataset_access",
    ),
    path(
        "integrations/datasets/<int:dataset_id>/delete/",
        views.dataset_delete_view,
        name="dataset_delete",
    ),
    path(
        "integrations/datasets/import-configurations/new/",
        views.import_configuration_create_view,
        name="import_configuration_create",
    ),
    path(
        "integrations/datasets/import-configurations/<int:configuration_id>/delete/",
        views.import_configuration_delete_view,
        name="import_configuration_delete",
    ),
    path("api/v1/import/push/csv", imports.import_push_csv, name="import_push_csv"),
    path("api/v1/import/<str:import_id>/status", imports.import_status, name="import_status"),
    # Anything else under the API answers JSON too, never the HTML error page.
    path("api/v1/<path:rest>", plumbing.api_not_found),
    path("api/v1/", plumbing.api_not_found),
]
