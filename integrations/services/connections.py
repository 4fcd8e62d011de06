"""Writes for API request connections. Each one validates everything, saves, and records an
audit entry in the same transaction.

Validation lives here (not only in the form) because this is the one door into the table: a
ValidationError carries a message per field, which the view puts back next to that field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from integrations import address_policy
from integrations.models import AuditEntry, Connection
from integrations.services.audit import Change, audit_record
from integrations.validators import validate_body_text, validate_headers_text
from workspace.models import Application, Workspace

NAME_MAX_LENGTH = 100
DUPLICATE_NAME = "A connection with this name already exists in your workspace."
NEW_ADDRESS_NEEDS_SECRETS = (
    "This URL points to another address (scheme, host or port): enter the headers and JSON "
    "body again (Replace), so stored secrets never reach a server they were not meant for."
)
NEW_ADDRESS_KEEPS_SECRETS = "new_address_keeps_secrets"


def _clean_name(*, workspace: Workspace, name: str, exclude_pk: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the connection a name.", code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"The name can be at most {NAME_MAX_LENGTH} characters.", code="max_length"
        )
    taken = Connection.objects.filter(workspace=workspace, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(DUPLICATE_NAME, code="unique")
    return name


def _clean_url(url: str) -> address_policy.ParsedEndpoint:
    url = (url or "").strip()
    if not url:
        raise ValidationError("Enter the URL Switchboard should POST to.", code="required")
    return address_policy.validate_endpoint_url(url)


def _clean_applications(
    *, workspace: Workspace, applications: Iterable[Application]
) -> list[Application]:
    applications = list(applications)
    if not applications:
        # A connection no application may use would sit unusable: no board could offer it.
        raise ValidationError(
            "Choose at least one application whose boards may use this connection.",
            code="required",
        )
    if any(application.workspace_id != workspace.pk for application in applications):
        raise ValidationError("Choose applications of your own workspace.", code="invalid_choice")
    return applications


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _clean(
    errors: dict[str, list[ValidationError]],
    field: str,
    check: Callable[_P, _T],
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> _T | None:
    """Run one check and file its error under `field`, so every field reports at once."""
    try:
        return check(*args, **kwargs)
    except ValidationError as error:
        errors.setdefault(field, []).append(error)
        return None


def _save(connection: Connection) -> None:
    connection.full_clean(exclude=["applications"])
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError:
        # Two admins saving the same name at the same moment: the constraint decides.
        raise ValidationError({"name": [DUPLICATE_NAME]}) from None


def _save_and_record(
    connection: Connection,
    *,
    applications: list[Application],
    actor: User | None,
    action: str,
    changes: dict[str, Change],
) -> None:
    """Save the connection and its Application access, and audit the change (callers hold the
    transaction, so a failed save leaves neither)."""
    _save(connection)
    connection.applications.set(applications)
    audit_record(
        workspace=connection.workspace,
        actor=actor,
        action=action,
        subject_name=connection.name,
        connection=connection,
        changes=changes,
    )


# Error reports (DEBUG off) show every frame's local variables; these hold the secrets.
@sensitive_variables()
@transaction.atomic
def connection_create(
    *,
    workspace: Workspace,
    actor: User | None,
    name: str,
    applications: Iterable[Application],
    url: str,
    headers: str = "",
    body: str = "",
    keep_response_bodies: bool = True,
) -> Connection:
    errors: dict[str, list[ValidationError]] = {}
    clean_name = _clean(
        errors, "name", _clean_name, workspace=workspace, name=name, exclude_pk=None
    )
    clean_apps = _clean(
        errors, "applications", _clean_applications, workspace=workspace, applications=applications
    )
    clean_endpoint = _clean(errors, "url", _clean_url, url)
    clean_headers = _clean(errors, "headers", validate_headers_text, headers)
    clean_body = _clean(errors, "body", validate_body_text, body)
    if errors:
        raise ValidationError(errors)
    # No error was filed, so every check returned its value (None stands only for a failed one).
    name, headers, body = cast(str, clean_name), cast(str, clean_headers), cast(str, clean_body)
    apps = cast(list[Application], clean_apps)
    endpoint = cast(address_policy.ParsedEndpoint, clean_endpoint)

    connection = Connection(
        workspace=workspace,
        name=name,
        url=endpoint.url,
        headers=headers,
        body=body,
        host=endpoint.host,
        keep_response_bodies=keep_response_bodies,
        created_by=actor,
    )
    _save_and_record(
        connection,
        applications=apps,
        actor=actor,
        action=AuditEntry.Action.CREATED,
        changes={
            "Name": [None, connection.name],
            "Application access": [None, _names(apps)],
            "Host": [None, connection.host],
            "Headers": "set" if headers else "none",
            "JSON body": "set" if body else "none",
            "Keep response bodies": [None, _yes_no(keep_response_bodies)],
        },
    )
    return connection


@sensitive_variables()
@transaction.atomic
def connection_update(
    *,
    connection: Connection,
    actor: User | None,
    name: str,
    applications: Iterable[Application],
    url: str,
    headers: str | None = None,
    body: str | None = None,
    keep_response_bodies: bool | None = None,
) -> Connection:
    """Change a connection. `headers` or `body` None keeps the stored value (it is write-only:
    the admin never sees it again, so leaving the field alone must not erase it);
    `keep_response_bodies` None keeps the current choice."""
    workspace = connection.workspace
    errors: dict[str, list[ValidationError]] = {}
    clean_name = _clean(
        errors, "name", _clean_name, workspace=workspace, name=name, exclude_pk=connection.pk
    )
    clean_apps = _clean(
        errors, "applications", _clean_applications, workspace=workspace, applications=applications
    )
    url = (url or "").strip()
    endpoint = None
    # An unchanged URL was checked when it was saved, and is checked again before every send;
    # re-resolving it here would only stop an admin renaming a connection during a DNS outage.
    if url != connection.url:
        endpoint = _clean(errors, "url", _clean_url, url)
    if endpoint is not None and _keeps_secrets_on_new_address(
        connection, origin=endpoint.origin, headers=headers, body=body
    ):
        errors.setdefault("url", []).append(
            ValidationError(NEW_ADDRESS_NEEDS_SECRETS, code=NEW_ADDRESS_KEEPS_SECRETS)
        )
    if headers is not None:
        headers = _clean(errors, "headers", validate_headers_text, headers)
    if body is not None:
        body = _clean(errors, "body", validate_body_text, body)
    if errors:
        raise ValidationError(errors)
    # No error was filed, so the name and applications checks returned their values.
    name, apps = cast(str, clean_name), cast(list[Application], clean_apps)

    changes: dict[str, Change] = {}
    if name != connection.name:
        changes["Name"] = [connection.name, name]
        connection.name = name
    old_apps = _names(connection.applications.all())
    if _names(apps) != old_apps:
        changes["Application access"] = [old_apps, _names(apps)]
    if endpoint is not None:
        changes["POST endpoint URL"] = "changed"
        if endpoint.host != connection.host:
            changes["Host"] = [connection.host, endpoint.host]
        connection.url, connection.host = endpoint.url, endpoint.host
    if headers is not None and headers != connection.headers:
        changes["Headers"] = "replaced" if headers else "removed"
        connection.headers = headers
    if body is not None and body != connection.body:
        changes["JSON body"] = "replaced" if body else "removed"
        connection.body = body
    if keep_response_bodies is not None and keep_response_bodies != connection.keep_response_bodies:
        changes["Keep response bodies"] = [
            _yes_no(connection.keep_response_bodies),
            _yes_no(keep_response_bodies),
        ]
        connection.keep_response_bodies = keep_response_bodies
    if not changes:
        return connection

    _save_and_record(
        connection,
        applications=apps,
        actor=actor,
        action=AuditEntry.Action.UPDATED,
        changes=changes,
    )
    if "Name" in changes:
        # Imported here: boards are built on connections, not the other way round.
        from boards.services import boards_showing_touch

        boards_showing_touch(connection_id=connection.pk)
    return connection


@transaction.atomic
def connection_set_enabled(
    *, connection: Connection, actor: User | None, enabled: bool
) -> Connection:
    if connection.enabled == enabled:
        return connection
    connection.enabled = enabled
    connection.save(update_fields=["enabled", "updated_at"])
    audit_record(
        workspace=connection.workspace,
        actor=actor,
        action=AuditEntry.Action.ENABLED if enabled else AuditEntry.Action.DISABLED,
        subject_name=connection.name,
        connection=connection,
    )
    return connection


@transaction.atomic
def connection_delete(*, connection: Connection, actor: User | None) -> None:
    """Delete a connection. Its Action widgets stay on their boards, shown as unavailable, and
    its delivery log and audit trail are kept under the connection's name."""
    widget_count = connection.widgets.count()
    audit_record(
        workspace=connection.workspace,
        actor=actor,
        action=AuditEntry.Action.DELETED,
        subject_name=connection.name,
        changes={"Action widgets using it": widget_count},
    )
    connection.delete()


def _keeps_secrets_on_new_address(
    connection: Connection,
    *,
    origin: address_policy.Origin,
    headers: str | None,
    body: str | None,
) -> bool:
    """Whether the edit points the connection at another address while keeping stored headers
    or body (None: not replaced). Those were written for the old server; letting them follow
    would let any admin collect a colleague's credentials by pointing the connection at their
    own server, which may be another port or scheme on the very same host."""
    if origin == address_policy.url_origin(connection.url):
        return False
    # "{}" sends no header; anything else, even text that no longer parses, may hold one.
    kept_headers = headers is None and (connection.headers or "").strip() not in ("", "{}")
    kept_body = body is None and bool((connection.body or "").strip())
    return kept_headers or kept_body


def _names(applications: Iterable[Application]) -> list[str]:
    return sorted(application.name for application in applications)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"
