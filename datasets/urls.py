from django.urls import path

from datasets import api, views

app_name = "datasets"

urlpatterns = [
    path("integrations/datasets/", views.dataset_list_view, name="list"),
    path("api/v1/import/push/csv", api.import_push_csv, name="import_push_csv"),
    path("api/v1/import/<str:import_id>/status", api.import_status, name="import_status"),
    # Anything else under the API answers JSON too, never the HTML error page.
    path("api/v1/<path:rest>", api.api_not_found),
    path("api/v1/", api.api_not_found),
]
