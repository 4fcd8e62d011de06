"""Helpers shared by the delivery tests: calls already in the ledger, and a real receiver on
127.0.0.1."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from integrations.models import Connection, Delivery


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
