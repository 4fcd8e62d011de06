"""Django admin for superusers: every integrations model, read-only, secrets masked.

Connections are set up in the product, where the rules are enforced and changes are audited;
here an operator can look (URL as scheme and host, header names, body size) and delete. The
encrypted fields are never form fields, so no admin page can render a decrypted value.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import admin

from integrations.encrypted_fields import DecryptionError
from integrations.models import AuditEntry, Connection, Delivery, HostLock
from integrations.services.connections import connection_delete
from integrations.validators import header_names

UNREADABLE = "(cannot be decrypted with the configured keys)"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the product's services only; the admin may look and delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _secret(connection: Connection, field: str) -> str | None:
    """The decrypted value, for masking only. The list defers these columns, so one row under
    an unknown key shows as unreadable instead of breaking the page."""
    try:
        return getattr(connection, field)
    except DecryptionError:
        return None


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyAdmin):
    list_display = ["name", "workspace", "masked_url", "header_names", "masked_body", "enabled"]
    list_filter = ["enabled", "workspace"]
    search_fields = ["name", "host"]
    fields = [
        "name",
        "workspace",
        "applications",
        "masked_url",
        "host",
        "header_names",
        "masked_body",
        "enabled",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # plain names here, no groups

    def get_queryset(self, request):
        return super().get_queryset(request).defer("url", "headers", "body")

    @admin.display(description="POST endpoint URL")
    def masked_url(self, obj: Connection) -> str:
        url = _secret(obj, "url")
        if url is None:
            return UNREADABLE
        parts = urlsplit(url)
        return f"{parts.scheme}://{obj.host}/…"

    @admin.display(description="Headers")
    def header_names(self, obj: Connection) -> str:
        headers = _secret(obj, "headers")
        if headers is None:
            return UNREADABLE
        names = header_names(headers)
        return f"{', '.join(names)} (values hidden)" if names else "(none)"

    @admin.display(description="JSON body")
    def masked_body(self, obj: Connection) -> str:
        body = _secret(obj, "body")
        if body is None:
            return UNREADABLE
        return f"•••• ({len(body)} characters)" if body else "(none)"

    # Deleting here goes through the same service as the product, so it is audited.
    def delete_model(self, request, obj: Connection) -> None:
        connection_delete(connection=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for connection in queryset:
            connection_delete(connection=connection, actor=request.user)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "connection_name",
        "host",
        "state",
        "outcome",
        "reason",
        "http_status",
        "source",
    ]
    list_filter = ["state", "outcome", "reason", "source", "workspace"]
    search_fields = ["connection_name", "host", "board_name"]
    date_hierarchy = "created_at"
    # A receiver that echoes its request (many test endpoints do) would put our header values
    # in the response; the admin shows only how long the excerpt is.
    exclude = ["response_excerpt"]
    readonly_fields = ["response_excerpt_size"]

    def get_queryset(self, request):
        # The excerpt is encrypted: the list never needs it, and one row under an unknown key
        # must not break the page.
        return super().get_queryset(request).defer("response_excerpt")

    @admin.display(description="Response excerpt")
    def response_excerpt_size(self, obj: Delivery) -> str:
        try:
            excerpt = obj.response_excerpt
        except DecryptionError:
            return UNREADABLE
        return f"{len(excerpt)} characters (shown in the delivery log)"


@admin.register(HostLock)
class HostLockAdmin(ReadOnlyAdmin):
    list_display = ["host", "workspace"]
    list_filter = ["workspace"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_name", "action", "subject_name", "workspace"]
    list_filter = ["action", "workspace"]
    search_fields = ["actor_name", "subject_name"]
    date_hierarchy = "created_at"
