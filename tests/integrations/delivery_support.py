"""Helpers shared by the delivery and egress tests: a connection in a workspace, and DNS we
control."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from integrations.models import Connection, Delivery
from tests.secret_log_guard import SECRET_MARKER
from workspace.models import Workspace

URL = "https://api.example.com/hooks/forecast?token=s3cret-query-token"
# Header value and body token carry the log guard's marker (tests/secret_log_guard.py).
KEY_VALUE = f"{SECRET_MARKER}key-value"
BODY_VALUE = f"{SECRET_MARKER}body-value"
HEADERS = {"X-Api-Key": KEY_VALUE}
BODY = '{"pipeline": "forecast", "token": "' + BODY_VALUE + '"}'
PUBLIC_IP = "93.184.216.34"


def make_connection(
    workspace: Workspace,
    *,
    name: str = "Forecast pipeline",
    url: str = URL,
    headers: dict[str, str] | None = None,
    body: str = BODY,
    applications=(),
    enabled: bool = True,
) -> Connection:
    """Stored the way setup stores it; built directly so a test can also store what setup would
    now refuse (an address that stopped being public, say)."""
    connection = Connection.objects.create(
        workspace=workspace,
        name=name,
        url=url,
        headers=json.dumps(HEADERS if headers is None else headers),
        body=body,
        host=urlsplit(url).hostname,
        enabled=enabled,
    )
    connection.applications.set(applications)
    return connection


def ledger_rows(
    connection: Connection,
    moments: Iterable[datetime],
    *,
    outcome: str = Delivery.Outcome.SUCCEEDED,
    counts_toward_quota: bool | None = None,
    **fields,
) -> None:
    """Calls made earlier, one per moment, as the ledger holds them. By default a row counts
    toward the quota exactly when its request went out (succeeded or failed)."""
    if counts_toward_quota is None:
        counts_toward_quota = outcome in (Delivery.Outcome.SUCCEEDED, Delivery.Outcome.FAILED)
    Delivery.objects.bulk_create(
        Delivery(
            workspace=connection.workspace,
            connection=connection,
            connection_name=connection.name,
            host=connection.host,
            idempotency_key=uuid.uuid4(),
            outcome=outcome,
            counts_toward_quota=counts_toward_quota,
            created_at=moment,
            **fields,
        )
        for moment in moments
    )


class FakeDNS:
    """Stands in for address_policy.resolve_host. A list of lists answers one list per lookup,
    to play a name that changes its answer (DNS rebinding)."""

    def __init__(self, table: dict | None = None) -> None:
        self.table = table or {"api.example.com": [PUBLIC_IP], "other.example.org": [PUBLIC_IP]}
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        answer = self.table.get(host)
        if answer is None:
            raise OSError("Name or service not known")
        return answer.pop(0) if isinstance(answer[0], list) else answer
