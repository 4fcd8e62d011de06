"""The product rules for a connection's Headers and JSON body.

Both are counted as the admin typed them: every character of the text box, including braces,
quotes and spaces, after trimming the whitespace around it. A line break counts as one character
(browsers submit it as CR LF; we store and count it as LF). Messages name headers but never
repeat a value: they are shown next to the field and may end up in logs.
"""

from __future__ import annotations

import json
import re

from django.core.exceptions import ValidationError

MAX_HEADERS_CHARS = 200
MAX_BODY_CHARS = 1000
# Far deeper than any real webhook payload, far shallower than Python's recursion limit: the
# parser, and whatever walks the parsed value later, recurse once per level.
MAX_JSON_DEPTH = 64

# RFC 7230 section 3.2.6: a header name is a "token".
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# A value we can send unchanged: visible ASCII, spaces and tabs, not starting or ending with
# whitespace (requests refuses leading whitespace, and servers strip trailing whitespace).
_VALUE = re.compile(r"(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?")

# Written without hyphens or underscores, lower case: the spelling every name is compared in.
# Representation headers describe the body we send (always JSON, sized by us); the rest are
# hop-by-hop or routing headers a receiver trusts from proxies, or headers Switchboard sets.
FORBIDDEN_HEADERS = frozenset(
    {
        "allow",
        "contentdisposition",
        "contentencoding",
        "contentlanguage",
        "contentlength",
        "contentlocation",
        "contentmd5",
        "contentrange",
        "contenttype",
        "expires",
        "lastmodified",
        "nonvalidated",
        "host",
        "connection",
        "keepalive",
        "transferencoding",
        "te",
        "trailer",
        "upgrade",
        "proxyauthorization",
        "proxyauthenticate",
        "proxyconnection",
        "forwarded",
        "via",
        # The client's address, as a receiver behind a proxy or CDN trusts it.
        "xrealip",
        "trueclientip",
        "xclientip",
        "cfconnectingip",
        "xoriginalforwardedfor",
        # The path a front proxy routes on instead of the request line's.
        "xoriginalurl",
        "xrewriteurl",
        # The method a framework acts on instead of the POST actually sent.
        "xhttpmethodoverride",
        "xhttpmethod",
        "xmethodoverride",
        "useragent",
        "idempotencykey",
        # The click's id (integrations.egress.client.DELIVERY_ID_HEADER), echoed back by
        # pipelines on the import API: a stored value would tie results to the wrong click.
        "switchboarddeliveryid",
    }
)
# Every X-Forwarded-* header, not only For/Host/Proto: receivers trust the whole family.
_FORBIDDEN_PREFIXES = ("xforwarded",)


def normalize_text(text: str | None) -> str:
    """The text as counted and stored: LF line breaks, no whitespace around it."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def header_key(name: str) -> str:
    """The spelling names are compared in: CGI and WSGI servers read X-A and X_A as one header
    (HTTP_X_A), and hyphens are dropped too so that no spelling slips past a rule."""
    return name.lower().replace("-", "").replace("_", "")


def is_forbidden_header(name: str) -> bool:
    key = header_key(name)
    return key in FORBIDDEN_HEADERS or key.startswith(_FORBIDDEN_PREFIXES)


def _reject_constant(name: str) -> float:
    # Python's json reads NaN and Infinity; JSON does not, and neither would the receiver.
    raise ValueError(name)


class _TooDeep(ValueError):
    """The text nests arrays or objects deeper than MAX_JSON_DEPTH."""


def _nesting_depth(text: str) -> int:
    """How deep brackets and braces nest outside strings; valid JSON or not."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _load_json(text: str, **kwargs):
    """json.loads for text an admin typed. Raises ValueError, or _TooDeep for deep nesting.

    The depth is checked before parsing, so the answer does not depend on how deep the
    caller's stack already is; RecursionError is caught too, for a caller whose stack is
    already nearly exhausted.
    """
    if _nesting_depth(text) > MAX_JSON_DEPTH:
        raise _TooDeep()
    try:
        return json.loads(text, parse_constant=_reject_constant, **kwargs)
    except RecursionError:
        raise _TooDeep() from None


class _Pairs(list):
    """A JSON object's members in order, duplicates kept (a dict would silently drop them)."""


def _pairs(pairs: list[tuple[str, object]]) -> _Pairs:
    return _Pairs(pairs)


def parse_headers(text: str | None) -> dict[str, str]:
    """The headers a connection sends, from the text the admin typed. Empty text: no headers.

    Raises ValidationError listing every problem found.
    """
    text = normalize_text(text)
    if not text:
        return {}
    if len(text) > MAX_HEADERS_CHARS:
        raise ValidationError(
            f"Headers can be at most {MAX_HEADERS_CHARS} characters (you entered {len(text)}).",
            code="headers_too_long",
        )
    try:
        pairs = _load_json(text, object_pairs_hook=_pairs)
    except _TooDeep:
        raise ValidationError(
            "Headers are nested too deeply: give one JSON object of names and text values.",
            code="headers_too_deep",
        ) from None
    except ValueError:
        raise ValidationError(
            'Headers must be a JSON object, for example {"Authorization": "Bearer …"}.',
            code="headers_not_json",
        ) from None
    if not isinstance(pairs, _Pairs):
        raise ValidationError(
            'Headers must be a JSON object of names and text values, for example {"X-Team": "a"}.',
            code="headers_not_object",
        )
    errors: list[ValidationError] = []
    headers: dict[str, str] = {}
    first_spellings: dict[str, str] = {}  # header_key → the name as first written
    for name, value in pairs:
        problem = _header_problem(name, value, first_spellings.get(header_key(name)))
        if problem:
            errors.append(ValidationError(problem, code="header_invalid"))
        first_spellings.setdefault(header_key(name), name)
        headers[name] = value if isinstance(value, str) else ""
    if errors:
        raise ValidationError(errors)
    return headers


def _header_problem(name: str, value: object, first_spelling: str | None) -> str | None:
    """What is wrong with one header, if anything. `first_spelling`: how an earlier header with
    the same header_key was written, or None."""
    shown = name if _TOKEN.fullmatch(name) else json.dumps(name)
    if not _TOKEN.fullmatch(name):
        return (
            f"{shown} is not a valid header name: use letters, digits and - only "
            "(no spaces, colons or quotes)."
        )
    if is_forbidden_header(name):
        return f"{name} cannot be set: Switchboard sets this header itself or does not allow it."
    if first_spelling == name:
        return f"{name} appears more than once; give each header once."
    if first_spelling is not None:
        # Sent as two headers, read as one (or either) by the receiver: refuse the ambiguity.
        return (
            f"{first_spelling} and {name} count as the same header: names that differ only in "
            "case, - or _ reach many servers as one. Give it once."
        )
    if not isinstance(value, str):
        return f'The value of {name} must be text in quotes, for example "{name}": "abc".'
    if "\r" in value or "\n" in value:
        return f"The value of {name} contains a line break; header values must be one line."
    if not _VALUE.fullmatch(value):
        return (
            f"The value of {name} may only contain printable ASCII characters and must not "
            "start or end with a space."
        )
    return None


def validate_headers_text(text: str | None) -> str:
    """The headers as stored: the admin's text, normalized. Raises ValidationError."""
    parse_headers(text)
    return normalize_text(text)


def validate_body_text(text: str | None) -> str:
    """The JSON body as stored: the admin's text, normalized. Raises ValidationError."""
    text = normalize_text(text)
    if not text:
        return ""
    if len(text) > MAX_BODY_CHARS:
        raise ValidationError(
            f"The JSON body can be at most {MAX_BODY_CHARS} characters (you entered {len(text)}).",
            code="body_too_long",
        )
    try:
        _load_json(text)
    except _TooDeep:
        raise ValidationError(
            f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels of "
            "arrays and objects).",
            code="body_too_deep",
        ) from None
    except ValueError as error:
        line = ""
        if isinstance(error, json.JSONDecodeError):
            line = f" (line {error.lineno}, column {error.colno})"
        raise ValidationError(
            f"The JSON body is not valid JSON{line}.", code="body_not_json"
        ) from None
    return text


def header_names(text: str | None) -> list[str]:
    """Names only, for showing what is set without showing values. Stored text is valid."""
    text = normalize_text(text)
    if not text:
        return []
    try:
        return list(json.loads(text))
    except ValueError:
        return []
