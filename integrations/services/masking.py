"""Hiding a connection's secrets in what its service answers.

A service may echo the request back, and rarely byte for byte: echo services put the body inside
a JSON string (escaped with `\\"`, `\\/` or `\\u003c`), re-serialise it, percent-encode values
into a URL, change their case, base64- or hex-encode them, or show only the credential of an
`Authorization: Bearer …` header. Two steps cover all of that:

- `connection_secrets` lists every secret *part* (each header value and the credential inside
  it, the body and each long enough value in it, the URL and its query values) in each spelling
  that changes its characters: as typed, reversed, base64/base64url at all three byte alignments
  (a secret inside a longer encoded blob), and hex.
- `mask` does not try to guess escapes. It reads the response into a *canonical* form — one
  character per escape sequence (JSON `\\uXXXX` / `\\x`, percent `%XX`, HTML `&#..;`), folded to
  lower case, `+`/`-`/space and `_`/`/` made the same — and searches the canonical spellings in
  that. Each hit maps back to the span of the original text it came from, which is hidden.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REDACTED = "[hidden]"
# Masking very short values ("1", "yes", 200) would scramble ordinary responses for no gain.
MIN_SECRET_LENGTH = 4
# Reversed and encoded spellings of shorter values are a handful of letters that ordinary text
# holds by chance.
MIN_ENCODED_LENGTH = 6

# `scheme credential` (Bearer, Basic, Token, ApiKey …) and `key="value"` lists (Digest, OAuth).
_SCHEME_VALUE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9._~+-]*)\s+(\S.*?)\s*$", re.DOTALL)
_PARAMETER = re.compile(r"""([A-Za-z0-9_-]+)\s*=\s*("[^"]*"|[^,\s]*)""")

# One token of an echoed response: an escape sequence (as one character) or a plain character.
_TOKEN = re.compile(
    r"""
      (?P<json>\\+u(?P<hex>[0-9a-fA-F]{4}))     # \u003c, and \\u003c once escaped again
    | (?P<escaped>\\+(?P<char>.))               # \/ \" \\ (and doubled escapes)
    | (?P<percent>(?:%[0-9a-fA-F]{2})+)         # %2F, or a run holding UTF-8 bytes
    | (?P<entity>&(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});)
    """,
    re.VERBOSE | re.DOTALL,
)
# Spellings an echo may swap for one another: folded to one character on both sides.
_FOLD = str.maketrans({"+": " ", "-": " ", "_": "/"})


def connection_secrets(*, url: str, headers: dict[str, Any], body: str) -> list[str]:
    """Every configured value that must not come back to a page, in each spelling an echo
    could give it (canonical form, longest first: see `mask`)."""
    found: set[str] = set()
    for part in secret_parts(url=url, headers=headers, body=body):
        found.update(canonical(spelling) for spelling in _spellings(part))
        # As typed too: a value holding `%41` or `\u` comes back with those characters escaped.
        found.add(_fold(part))
    found.discard("")
    return sorted(found, key=len, reverse=True)


def secret_parts(*, url: str, headers: dict[str, Any], body: str) -> set[str]:
    """The values worth hiding: whole values and the pieces an echo could show on their own."""
    parts: set[str] = set()
    split = urlsplit(url)
    parts.update([url, split.path + (f"?{split.query}" if split.query else "")])
    parts.update(value for _, value in parse_qsl(split.query, keep_blank_values=False))
    for value in headers.values():
        parts.update(_header_parts(str(value)))
    parts.add(body)
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    if parsed is not None:
        # The service may have parsed the body and written it out again in its own layout.
        parts.update([json.dumps(parsed), json.dumps(parsed, separators=(",", ":"))])
        parts.add(json.dumps(parsed, ensure_ascii=False))
        parts.update(_json_values(parsed))
    return {part for part in parts if len(part) >= MIN_SECRET_LENGTH and part.strip("/")}


def mask(text: str, *, secrets: Iterable[str], truncated: bool = False) -> str:
    """`text` with every secret (as `connection_secrets` lists them) replaced by REDACTED, in
    one left-to-right pass, longest first, so a value inside a longer one cannot leave the rest
    readable.

    `truncated` says the text was cut short: its end may then hold the start of a secret whose
    rest was cut away, and that start is hidden too.
    """
    ordered = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
    if not ordered or not text:
        return text
    folded, starts, ends = _canonical_with_spans(text)
    pattern = re.compile("|".join(re.escape(secret) for secret in ordered))
    hidden = [(starts[hit.start()], ends[hit.end() - 1]) for hit in pattern.finditer(folded)]
    if truncated:
        cut = _cut_secret_start(folded, ordered)
        if cut is not None:
            hidden.append((starts[cut], len(text)))
    return _replace(text, hidden)


def canonical(value: str) -> str:
    """`value` as `mask` reads responses: escapes decoded, case and separators folded."""
    return _canonical_with_spans(value)[0]


def _header_parts(value: str) -> Iterator[str]:
    yield value
    scheme_value = _SCHEME_VALUE.match(value)
    if scheme_value is None:
        return
    credential = scheme_value.group(2)
    yield credential
    parameters = [raw.strip('"') for _, raw in _PARAMETER.findall(credential)]
    yield from parameters
    if scheme_value.group(1).lower() == "basic":
        # Basic is base64 of user:password; an echo may decode it.
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return
        yield decoded
        yield from decoded.split(":", 1)


def _spellings(value: str) -> Iterator[str]:
    yield value
    if len(value) < MIN_ENCODED_LENGTH:
        return
    yield value[::-1]
    raw = value.encode("utf-8")
    yield raw.hex()
    for offset in range(3):
        yield _base64_inside(raw, offset)


def _base64_inside(raw: bytes, offset: int) -> str:
    """The base64 characters that depend on `raw` alone when it starts `offset` bytes into a
    longer encoded blob: the first and last characters are shared with the bytes around it."""
    encoded = base64.b64encode(bytes(offset) + raw).decode("ascii").rstrip("=")
    first = -(-8 * offset // 6)  # the first character made only of raw's bits
    last = 8 * (offset + len(raw)) // 6
    return encoded[first:last]


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


def _fold(value: str) -> str:
    return "".join(_fold_char(char) for char in value)


def _fold_char(char: str) -> str:
    lower = char.lower()
    # A few characters lower-case to two ("İ"): keep them as they are, one for one.
    return (lower if len(lower) == 1 else char).translate(_FOLD)


def _canonical_with_spans(text: str) -> tuple[str, list[int], list[int]]:
    """The canonical form, and for each of its characters the span of `text` it came from."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for token in _TOKEN.finditer(text):
        for index in range(position, token.start()):
            chars.append(text[index])
            starts.append(index)
            ends.append(index + 1)
        for char in _decode(token):
            chars.append(char)
            starts.append(token.start())
            ends.append(token.end())
        position = token.end()
    for index in range(position, len(text)):
        chars.append(text[index])
        starts.append(index)
        ends.append(index + 1)
    return "".join(_fold_char(char) for char in chars), starts, ends


def _decode(token: re.Match[str]) -> str:
    if token["json"]:
        return chr(int(token["hex"], 16))
    if token["escaped"]:
        return token["char"]
    if token["percent"]:
        raw = bytes.fromhex(token["percent"].replace("%", ""))
        return raw.decode("utf-8", "replace") if not raw.isascii() else raw.decode("ascii")
    decoded = html.unescape(token["entity"])
    # An unknown entity (`&zzz;`) stays as it is: one character each, like plain text.
    return decoded if decoded != token["entity"] else token["entity"]


def _cut_secret_start(folded: str, secrets: list[str]) -> int | None:
    """Where the longest start of a secret begins, if the text ends with one."""
    best: int | None = None
    for secret in secrets:
        first = max(0, len(folded) - len(secret) + 1)
        for start in range(first, best if best is not None else len(folded)):
            if secret.startswith(folded[start:]):
                best = start
                break
    return best


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    pieces: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if end <= position:
            continue
        if start >= position:
            pieces.append(text[position:start])
            pieces.append(REDACTED)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
