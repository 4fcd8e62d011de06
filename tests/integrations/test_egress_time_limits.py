"""Time limits of an outgoing call: the overall deadline against slow answers, and name lookup."""

import socket
import threading
import time
from contextlib import contextmanager

import pytest
import responses

from integrations.egress import Outcome, post_json

# The egress settings, the fake resolver and the local-receiver switch are shared with the main
# egress tests.
from tests.integrations.test_egress import dns, local, send  # noqa: F401 (fixtures)
from tests.support.resolver import fake_resolver


@contextmanager
def dripping_server(prelude: bytes, drip: bytes, every: float = 0.25):
    """A raw server that answers `prelude`, then one byte of `drip` every `every` seconds."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            conn.sendall(prelude)
            for byte in drip:
                if stop.wait(every):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


# Each drip would take 30 s or more at one byte every 0.25 s, far past any bound below, so a
# deadline that is not enforced fails the test however slow the machine.
@pytest.mark.parametrize(
    ("prelude", "drip", "status"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 120\r\n\r\n", b"x" * 120, 200),
        (b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"y" * 112, None),
        (b"", b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 95 + b"\r\n\r\n", None),
    ],
    ids=["slow body", "slow headers", "slow status line"],
)
@pytest.mark.usefixtures("local")
def test_a_slow_drip_stops_at_the_deadline(settings, prelude, drip, status):
    settings.OUTBOUND_DEADLINE = 1.5
    with dripping_server(prelude, drip) as port:
        started = time.monotonic()
        result = send(url=f"http://127.0.0.1:{port}/hook")
        elapsed = time.monotonic() - started
    assert (result.outcome, result.status_code) == (Outcome.TIMED_OUT, status)
    assert result.detail == "No complete answer within 1.5 s"
    assert 1.4 < elapsed < 7.5  # room for a slow machine, far below the drip's 30 s


def test_a_resolver_that_never_answers_is_a_timeout_and_sends_nothing(settings):
    settings.OUTBOUND_CONNECT_TIMEOUT = 0.2
    release = threading.Event()
    try:
        with (
            fake_resolver({"slow-dns.example": ["93.184.216.34"]}, stall=release),
            responses.RequestsMock(assert_all_requests_are_fired=False) as mocked,
        ):
            mocked.post("https://slow-dns.example/hook", status=200)
            result = post_json(
                url="https://slow-dns.example/hook",
                headers={},
                body="",
                idempotency_key="k-1",
            )
            assert len(mocked.calls) == 0
    finally:
        release.set()
    assert result.outcome == Outcome.TIMED_OUT
    assert result.detail == "We could not resolve slow-dns.example within 0.2 s"
