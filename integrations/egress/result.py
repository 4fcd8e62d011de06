"""What an outgoing call reports back: an `Outcome` and the one-line `EgressResult`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

EXCERPT_CHARS = 2000
DETAIL_CHARS = 300  # Delivery.detail


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class EgressResult:
    outcome: Outcome
    status_code: int | None
    duration_ms: int
    detail: str  # one line for people, e.g. "Sent · 200 in 143 ms"
    response_excerpt: str = ""  # start of the response body, decoded leniently
    bytes_read: int = 0  # of the body; never more than OUTBOUND_MAX_RESPONSE_BYTES
    redirect_host: str | None = None  # set when the service answered 3xx (never followed)


def finish(
    outcome: Outcome, started: float, detail: str, status: int | None = None, **extra: Any
) -> EgressResult:
    duration_ms = int((time.monotonic() - started) * 1000)
    return EgressResult(outcome, status, duration_ms, detail[:DETAIL_CHARS], **extra)


def duration_words(milliseconds: int) -> str:
    """How long a call took, as people read it: "143 ms" under a second, then "10.0 s"."""
    if milliseconds < 1000:
        return f"{milliseconds} ms"
    # Halves round up, as in the other figures people read ("2.5 s", never "2.4 s" for 2450 ms).
    return f"{int(milliseconds / 100 + 0.5) / 10:.1f} s"
