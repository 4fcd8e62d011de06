"""Hiding a connection's secrets in what its service answers.

A service may echo the request back, and rarely byte for byte: echo services put the body inside
a JSON string (escaped), re-serialise it, or percent-encode values into a URL. Each secret is
therefore masked in every spelling such an echo produces, not only as configured.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

REDACTED = "[hidden]"
# Masking very short values ("1", "yes", 200) would scramble ordinary responses for no gain.
MIN_SECRET_LENGTH = 4


def connection_secrets(*, url: str, headers: dict[str, Any], body: str) -> list[str]:
    """Every configured value that must not come back to a page, in each spelling an echo
    could give it."""
    parts = urlsplit(url)
    plain = [url, parts.path + (f"?{parts.query}" if parts.query else ""), body]
    plain += [str(value) for value in headers.values()]
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    if parsed is not None:
        # The service may have parsed the body and written it out again in its own layout.
        plain += [json.dumps(parsed), json.dumps(parsed, separators=(",", ":"))]
        plain += [json.dumps(parsed, ensure_ascii=False)]
        plain += list(_json_values(parsed))
    found: set[str] = set()
    for value in plain:
        if len(value) >= MIN_SECRET_LENGTH and value != "/":
            found.update(_spellings(value))
    return sorted(found, key=len, reverse=True)


def mask(text: str, *, secrets: Iterable[str], truncated: bool = False) -> str:
    """`text` with every secret replaced by REDACTED, in one left-to-right pass (longest first,
    so a value inside a longer one cannot leave the rest readable).

    `truncated` says the text was cut short: its end may then hold the start of a secret whose
    rest was cut away, and that start is hidden too.
    """
    ordered = sorted(set(secrets), key=len, reverse=True)
    if not ordered:
        return text
    pattern = re.compile("|".join(_pattern(secret) for secret in ordered))
    text = pattern.sub(REDACTED, text)
    if truncated:
        text = _mask_cut_tail(text, ordered)
    return text


def _spellings(value: str) -> Iterator[str]:
    yield value
    for escaped in (json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
        yield escaped
        # Escaped twice: a JSON echo of a request whose body already held the value escaped.
        yield json.dumps(escaped)[1:-1]
    yield quote(value)
    yield quote(value, safe="")
    yield quote_plus(value)


def _pattern(secret: str) -> str:
    escaped = re.escape(secret)
    # Percent-encoding may come back with lower-case hex digits (%2f for %2F).
    return f"(?i:{escaped})" if "%" in secret else escaped


def _json_values(value: Any) -> Iterator[str]:
    """String values, and numbers long enough to matter (a PIN, an account number), anywhere in
    the body. Booleans and null are the same few words in every response."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float):
        yield str(value)
        yield json.dumps(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_values(item)


def _mask_cut_tail(text: str, secrets: list[str]) -> str:
    longest = 0
    for secret in secrets:
        for size in range(min(len(secret) - 1, len(text)), longest, -1):
            if text.endswith(secret[:size]):
                longest = size
                break
    return text[: len(text) - longest] + REDACTED if longest else text
