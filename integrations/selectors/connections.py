"""Reads for API request connections, scoped to the Workspace Admin asking.

Another workspace's connection is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from integrations.models import Connection
from integrations.validators import header_names
from workspace.models import Application, Workspace
from workspace.selectors import workspace_for_admin

AnyUser = User | AnonymousUser

# Columns that are never needed to list connections: not decrypting them keeps secrets out of
# memory, and one undecryptable row from breaking the whole list.
SECRET_FIELDS = ("url", "headers", "body")


@dataclass(frozen=True)
class SecretSummary:
    """What the edit pane may say about the write-only fields: header names, body size."""

    header_names: list[str]
    body_characters: int


def connection_list_for_admin(*, user: AnyUser) -> QuerySet[Connection]:
    workspace = workspace_for_admin(user=user)
    return (
        Connection.objects.filter(workspace=workspace)
        .defer(*SECRET_FIELDS)
        .annotate(widget_count=Count("widgets", distinct=True))
        .prefetch_related("applications")
        .order_by("name")
    )


def connection_get_for_admin(*, user: AnyUser, connection_id: int) -> Connection:
    """The connection, if the user administers its workspace; otherwise 404."""
    workspace = workspace_for_admin(user=user)
    return get_object_or_404(
        Connection.objects.select_related("workspace").prefetch_related("applications"),
        pk=connection_id,
        workspace=workspace,
    )


def connection_widget_count(*, connection: Connection) -> int:
    """How many Action widgets are bound to the connection, on any board."""
    return connection.widgets.count()


def connection_secret_summary(*, connection: Connection) -> SecretSummary:
    return SecretSummary(
        header_names=header_names(connection.headers),
        body_characters=len(connection.body or ""),
    )


def applications_for_connection_access(*, workspace: Workspace) -> QuerySet[Application]:
    """The applications a connection may be granted to: those of the admin's own workspace."""
    return Application.objects.filter(workspace=workspace).order_by("name")


def connections_usable_by(*, application: Application) -> QuerySet[Connection]:
    """What an Action widget of this application may use: enabled, and shared with it."""
    return (
        Connection.objects.filter(
            workspace_id=application.workspace_id, enabled=True, applications=application.pk
        )
        .defer(*SECRET_FIELDS)
        .order_by("name")
    )


def connection_shared_with(*, application_id: int | OuterRef, connection_ref: OuterRef) -> Exists:
    """A subquery: whether the connection `connection_ref` points at is shared with the
    application (one query for a whole board's widgets)."""
    return Exists(
        # django-stubs checks an OuterRef, but not a union with one, against the column's type.
        Connection.applications.through.objects.filter(  # type: ignore[misc]
            connection_id=connection_ref, application_id=application_id
        )
    )
