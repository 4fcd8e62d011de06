from django.urls import path

app_name = "integrations"

urlpatterns: list = []
