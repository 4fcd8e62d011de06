from django.urls import path

from datasets import api_key_views, views
from datasets.api import exports, imports, openapi, plumbing, reference

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
    # Workspace Settings → API Keys, the keys of the API below (datasets/api_key_views.py)
    path("integrations/api-keys/", api_key_views.api_key_list_view, name="api_keys"),
    path("integrations/api-keys/new/", api_key_views.api_key_create_view, name="api_key_create"),
    path(
        "integrations/api-keys/created/",
        api_key_views.api_key_created_view,
        name="api_key_created",
    ),
    path(
        "integrations/api-keys/<int:api_key_id>/edit/",
        api_key_views.api_key_edit_view,
        name="api_key_edit",
    ),
    path(
        "integrations/api-keys/<int:api_key_id>/delete/",
        api_key_views.api_key_delete_view,
        name="api_key_delete",
    ),
    path("integrations/import-api/", reference.api_reference_view, name="api_reference"),
    path("api/v1/import/push/csv", imports.import_push_csv, name="import_push_csv"),
    path("api/v1/import/<str:import_id>/status", imports.import_status, name="import_status"),
    path("api/v1/datasets", exports.dataset_index, name="api_datasets"),
    path(
        "api/v1/export/datasets/<str:dataset_id>/csv",
        exports.dataset_export_csv,
        name="export_dataset_csv",
    ),
    path("api/v1/openapi.json", openapi.openapi_document, name="openapi"),
    # Anything else under the API answers JSON too, never the HTML error page.
    path("api/v1/<path:rest>", plumbing.api_not_found),
    path("api/v1/", plumbing.api_not_found),
]
