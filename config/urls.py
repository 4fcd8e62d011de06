from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from workspace import views as workspace_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", workspace_views.sign_in, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("integrations/", include("integrations.urls")),
    path("boards/", include("boards.urls")),
    path("", include("operations.urls")),
    path("", include("datasets.urls")),
    path("", include("workspace.urls")),
]
