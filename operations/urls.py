from django.urls import path

from operations import views

app_name = "operations"

# No trailing slash: the paths probes and scrapers are usually configured with.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]
