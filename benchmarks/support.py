"""What several benchmarks share: an instant receiver for outgoing calls, a free port, and a
server process of the app.

`python benchmarks/support.py PORT` serves the instant receiver on PORT, as a process of its own.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Instant(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def instant_receiver() -> ThreadingHTTPServer:
    """A receiver on 127.0.0.1 that answers every POST at once, serving in a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Instant)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextlib.contextmanager
def instant_receiver_process() -> Iterator[str]:
    """The instant receiver in a process of its own, as a service elsewhere would be: its work
    does not take this process's interpreter lock from the request being timed. Yields its URL."""
    port = free_port()
    with serving([sys.executable, __file__, str(port)], port=port):
        yield f"http://127.0.0.1:{port}/hooks/run"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(command: list[str], *, port: int, **popen: Any) -> Iterator[subprocess.Popen]:
    """Run `command` (a server that listens on `port`) until the block ends, from the moment
    it accepts connections (30 s at most)."""
    process = subprocess.Popen(command, **popen)  # noqa: S603 (the benchmarks' own command lines)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), _Instant).serve_forever()
