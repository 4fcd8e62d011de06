"""The one connection factory.

connection_make(workspace, actor=alice, …) makes a connection through connection_create, exactly
as an admin's Setup does: the URL is checked and its name resolved (so a test needs a fake
resolver, tests/support/resolver.py), and the audit trail records it. Without an actor the
connection is stored straight, so a test can also hold what Setup would now refuse (an address
that stopped being public, a switched-off connection).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import cast
from urllib.parse import urlsplit

from integrations.models import Connection
from integrations.services.connections import connection_create
from tests.secret_log_guard import SECRET_MARKER
from workspace.models import Application, Workspace

URL = "https://api.example.com/hooks/forecast?token=s3cret-query-token"
# Header value and body token carry the log guard's marker (tests/secret_log_guard.py).
KEY_VALUE = f"{SECRET_MARKER}key-value"
BODY_VALUE = f"{SECRET_MARKER}body-value"
HEADERS = {"X-Api-Key": KEY_VALUE}
BODY = '{"pipeline": "forecast", "token": "' + BODY_VALUE + '"}'


def connection_make(
    workspace: Workspace,
    *,
    actor=None,
    name: str = "Forecast pipeline",
    url: str = URL,
    headers: dict[str, str] | str | None = None,
    body: str = BODY,
    applications: Iterable[Application] = (),
    enabled: bool = True,
    keep_response_bodies: bool = True,
) -> Connection:
    """`headers` as a dict or as the JSON text an admin types; None sends HEADERS."""
    if headers is None:
        headers = HEADERS
    headers_text = headers if isinstance(headers, str) else json.dumps(headers)
    if actor is not None:
        if not enabled:
            raise ValueError("Setup makes an enabled connection; store it straight instead")
        return connection_create(
            workspace=workspace,
            actor=actor,
            name=name,
            applications=applications,
            url=url,
            headers=headers_text,
            body=body,
            keep_response_bodies=keep_response_bodies,
        )
    connection = Connection.objects.create(
        workspace=workspace,
        name=name,
        url=url,
        headers=headers_text,
        body=body,
        host=cast(str, urlsplit(url).hostname),
        enabled=enabled,
        keep_response_bodies=keep_response_bodies,
    )
    connection.applications.set(applications)
    return connection
