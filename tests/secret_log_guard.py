"""Fails any test during which a log line carries a test secret.

Header values and JSON bodies must never reach a log line. Tests make every such value contain
SECRET_MARKER, and this guard records every log record emitted while a test runs (any logger,
any level, any thread, message, arguments and traceback as formatted) and fails the test if one
contains the marker. Used as a pytest plugin (pytest_plugins = ["tests.secret_log_guard"]) or by
importing `secret_log_guard` into a conftest.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator

import pytest

# Every header value and body a test configures contains this, so one search finds them all.
SECRET_MARKER = "sb-secret-"


class LogRecorder(logging.Handler):
    """Keeps every record as the console would print it, traceback included."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []
        self._lines_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is still searched
            line = f"{record.msg!r} {record.args!r}"
        with self._lines_lock:
            self.lines.append(line)


def lines_with_secrets(lines: Iterable[str], marker: str = SECRET_MARKER) -> list[str]:
    """The lines that contain a secret; empty when the log is clean."""
    return [line for line in lines if marker in line]


def installed_recorder() -> LogRecorder | None:
    """The recorder watching the current test, if the guard is active."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, LogRecorder):
            return handler
    return None


@pytest.fixture(autouse=True)
def secret_log_guard() -> Iterator[LogRecorder]:
    root = logging.getLogger()
    recorder = LogRecorder()
    previous_level = root.level
    # DEBUG lines count too: a secret in a debug line is one LOG_LEVEL change from production.
    root.setLevel(logging.DEBUG)
    root.addHandler(recorder)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        root.setLevel(previous_level)
    leaked = lines_with_secrets(recorder.lines)
    if leaked:
        shown = "\n".join(line[:500] for line in leaked[:5])
        pytest.fail(f"{len(leaked)} log line(s) contain a secret ({SECRET_MARKER}…):\n{shown}")
