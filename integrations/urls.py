from django.urls import path

from integrations.views import connections, deliveries

app_name = "integrations"

urlpatterns = [
    # Connections and the audit trail (integrations/views/connections.py)
    path("", connections.index, name="index"),
    path("api-request/", connections.connection_list, name="connection_list"),
    path("api-request/new/", connections.connection_create, name="connection_create"),
    path(
        "api-request/check-url/",
        connections.connection_validate_url,
        name="connection_validate_url",
    ),
    path("api-request/<int:connection_id>/", connections.connection_edit, name="connection_edit"),
    path(
        "api-request/<int:connection_id>/enabled/",
        connections.connection_set_enabled,
        name="connection_set_enabled",
    ),
    path(
        "api-request/<int:connection_id>/delete/",
        connections.connection_delete,
        name="connection_delete",
    ),
    path("audit/", connections.audit_list, name="audit_list"),
    # Deliveries: the Test button, one call's status, the delivery logs
    # (integrations/views/deliveries.py)
    path(
        "api-request/<int:connection_id>/test/",
        deliveries.connection_test,
        name="connection_test",
    ),
    path(
        "api-request/<int:connection_id>/deliveries/",
        deliveries.delivery_log,
        name="delivery_log",
    ),
    path("deliveries/", deliveries.delivery_log_all, name="delivery_log_all"),
    path("deliveries/<int:delivery_id>/", deliveries.delivery_status, name="delivery_status"),
]
