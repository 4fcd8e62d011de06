"""Helpers shared by the delivery and egress tests: a connection in a workspace, and DNS we
control."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
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
    keep_response_bodies: bool = True,
) -> Connection:
    """Stored the way setup stores it; built directly so a test can also store what setup would
    now refuse (an address that stopped being public, say)."""
    connection = Connection.objects.create(
        workspace=workspace,
        name=name,
        url=url,
        headers=json.dumps(HEADERS if headers is None else headers),
        body=body,
        host=cast(str, urlsplit(url).hostname),
        enabled=enabled,
        keep_response_bodies=keep_response_bodies,
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


class Receiver(ThreadingHTTPServer):
    """A real HTTP server on 127.0.0.1 that records each POST's Idempotency-Key in `arrived`.
    With `hold`, it answers only once `release` is set (up to `hold_seconds`); with `delay`, after
    that many seconds. `most_at_once` is the most requests it was ever answering together."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, *, hold: bool = False, hold_seconds: float = 40, delay: float = 0) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.hold = hold
        self.hold_seconds = hold_seconds
        self.delay = delay
        self.release = threading.Event()
        self.arrived: list[str] = []
        self.lock = threading.Lock()
        self.two_arrived = threading.Event()
        self.at_once = 0
        self.most_at_once = 0

    @property
    def port(self) -> int:
        return self.server_address[1]


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server = self.server
        with server.lock:
            server.arrived.append(self.headers["Idempotency-Key"])
            server.at_once += 1
            server.most_at_once = max(server.most_at_once, server.at_once)
            if len(server.arrived) >= 2:
                server.two_arrived.set()
        try:
            if server.hold:
                server.release.wait(server.hold_seconds)
            if server.delay:
                time.sleep(server.delay)
        finally:
            with server.lock:
                server.at_once -= 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


def serve(*, hold: bool = False, hold_seconds: float = 40, delay: float = 0) -> Receiver:
    """A Receiver already serving on a thread of its own."""
    server = Receiver(hold=hold, hold_seconds=hold_seconds, delay=delay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
