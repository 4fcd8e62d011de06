"""Sends one configured POST through the pinned adapter and reads the answer.

Header values, the body and the URL's path and query can hold secrets, so no message, log line
or result field built here ever contains them: only the host.
"""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from urllib3.exceptions import ReadTimeoutError

from integrations.address_policy import (
    BlockedAddress,
    ParsedEndpoint,
    UnresolvableHost,
    check_address_at_send,
    parse_endpoint_url,
)
from integrations.egress.deadline import Deadline
from integrations.egress.pinning import PinnedAdapter
from integrations.egress.result import (
    EXCERPT_CHARS,
    EgressResult,
    Outcome,
    duration_words,
    finish,
)

# One logger for the whole package, so operators filter outgoing calls by a single name.
logger = logging.getLogger("integrations.egress")

_CHUNK_BYTES = 8192
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 field-name
# The header naming the click a call was made for: the delivery's idempotency key, which the
# receiving pipeline may echo back on the import API (?deliveryId=) to tie its results to it.
DELIVERY_ID_HEADER = "Switchboard-Delivery-Id"
# Set by us whatever the stored headers say; the setup form forbids them anyway. Compared
# without case, hyphens or underscores: servers read "Idempotency_Key" as Idempotency-Key.
_OURS = frozenset(
    {"useragent", "idempotencykey", "switchboarddeliveryid", "contenttype", "contentlength", "host"}
)
_ROUTING = frozenset({"connection", "transferencoding", "keepalive", "te", "upgrade", "trailer"})


def post_json(
    *, url: str, headers: Mapping[str, str], body: str, idempotency_key: str
) -> EgressResult:
    """Send the configured POST once and say what happened; never raises for network trouble.

    Redirects are reported (with their target host), never followed.
    """
    if not idempotency_key:
        raise ValueError("idempotency_key is required")
    started = time.monotonic()
    try:
        endpoint = parse_endpoint_url(url)
    except ValidationError as error:
        # Stored before an operator tightened the rules (e.g. turned plain http off).
        return finish(Outcome.BLOCKED, started, error.messages[0])
    problem = _header_problem(headers)
    if problem:
        return finish(Outcome.FAILED, started, problem)
    try:
        ip = check_address_at_send(endpoint.host, endpoint.port)
    except UnresolvableHost as error:
        outcome = Outcome.TIMED_OUT if error.timed_out else Outcome.FAILED
        return finish(outcome, started, str(error).rstrip("."))
    except BlockedAddress as error:
        logger.warning("Blocked outgoing call to %s (%s)", endpoint.host, error.ip)
        return finish(Outcome.BLOCKED, started, str(error))
    request_headers = _request_headers(headers, body=body, idempotency_key=idempotency_key)
    result = _send(endpoint, ip, request_headers, body.encode("utf-8"), started)
    logger.info("Outgoing POST to %s: %s (%s)", endpoint.host, result.outcome, result.status_code)
    return result


def _header_problem(headers: Mapping[str, str]) -> str | None:
    """Refuse header text that cannot travel; name the header, never quote its value."""
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            return "A header name contains characters that cannot be sent"
        if not isinstance(value, str):
            return f"The {name} header value is not text"
        if "\r" in value or "\n" in value or "\0" in value or value != value.strip():
            return f"The {name} header value has line breaks or surrounding spaces"
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            return f"The {name} header value contains characters that cannot be sent"
    return None


def _request_headers(
    stored: Mapping[str, str], *, body: str, idempotency_key: str
) -> dict[str, str]:
    sent = {k: v for k, v in stored.items() if _spelling(k) not in _OURS | _ROUTING}
    sent["User-Agent"] = f"Switchboard/{getattr(settings, 'SWITCHBOARD_VERSION', 'dev')}"
    sent["Idempotency-Key"] = idempotency_key
    # The same value: one id per click, which the receiver can hand back with its results.
    sent[DELIVERY_ID_HEADER] = idempotency_key
    if body:
        sent["Content-Type"] = "application/json"
    return sent


def _spelling(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


class _Limits(NamedTuple):
    connect: float
    read: float
    deadline: float
    max_bytes: int


def _limits() -> _Limits:
    return _Limits(
        float(getattr(settings, "OUTBOUND_CONNECT_TIMEOUT", 5.0)),
        float(getattr(settings, "OUTBOUND_READ_TIMEOUT", 10.0)),
        float(getattr(settings, "OUTBOUND_DEADLINE", 15.0)),
        int(getattr(settings, "OUTBOUND_MAX_RESPONSE_BYTES", 65536)),
    )


def _send(
    endpoint: ParsedEndpoint, ip: str, headers: dict[str, str], payload: bytes, started: float
) -> EgressResult:
    limits = _limits()
    deadline = Deadline(limits.deadline)
    session = requests.Session()
    session.trust_env = False  # no proxies, .netrc credentials or CA bundles from the environment
    session.headers.clear()  # send what was configured, not requests' defaults
    session.adapters.clear()
    adapter = PinnedAdapter(
        host=endpoint.host, ip=ip, is_https=endpoint.scheme == "https", deadline=deadline
    )
    session.mount(f"{endpoint.scheme}://", adapter)
    with deadline, session:
        try:
            response = session.post(
                _request_url(endpoint),
                data=payload,
                headers=headers,
                timeout=(min(limits.connect, limits.deadline), min(limits.read, limits.deadline)),
                allow_redirects=False,
                stream=True,
                verify=True,
            )
        except (requests.RequestException, urllib3.exceptions.HTTPError, BlockedAddress) as error:
            outcome, detail = _describe_failure(error, endpoint.host, deadline, limits)
            return finish(outcome, started, detail)
        with response:
            if deadline.expired:
                # The deadline shut the socket while the headers were arriving, and the parser
                # took the cut for their end: the status line alone is not an answer.
                return finish(Outcome.TIMED_OUT, started, _timeout_detail(deadline, limits))
            return _read_response(response, endpoint, deadline, limits, started)


def _request_url(endpoint: ParsedEndpoint) -> str:
    """The URL as configured, with an IP literal written the one way the address check read it.

    "http://0x8080808/x" and "http://[::ffff:8.8.8.8]/x" go out as "http://8.8.8.8/x": the Host
    header, the certificate check and the pinned address then all name the host the quota
    counted. Only the host changes; the path and query stay byte for byte as typed.
    """
    if endpoint.ip_literal is None:
        return endpoint.url
    parts = urlsplit(endpoint.url)
    start = endpoint.url.index("//") + 2
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return endpoint.url[:start] + netloc + endpoint.url[start + len(parts.netloc) :]


def _read_response(
    response: requests.Response,
    endpoint: ParsedEndpoint,
    deadline: Deadline,
    limits: _Limits,
    started: float,
) -> EgressResult:
    status = response.status_code
    if 300 <= status < 400:
        target = _redirect_host(endpoint.url, response.headers.get("Location", ""))
        detail = (
            f"Redirect to {target} not followed" if target else f"The service answered {status}"
        )
        return finish(Outcome.FAILED, started, detail, status, redirect_host=target)
    content, stalled = _read_capped(response, deadline, limits.max_bytes)
    excerpt = content[: EXCERPT_CHARS * 4].decode("utf-8", "replace")[:EXCERPT_CHARS]
    if stalled:
        outcome, detail = Outcome.TIMED_OUT, _timeout_detail(deadline, limits)
    elif 200 <= status < 300:
        outcome, detail = (
            Outcome.SUCCEEDED,
            f"Sent · {status} in {duration_words(int((time.monotonic() - started) * 1000))}",
        )
    else:
        outcome, detail = Outcome.FAILED, f"The service answered {status}"
    return finish(
        outcome, started, detail, status, response_excerpt=excerpt, bytes_read=len(content)
    )


def _read_capped(response: requests.Response, deadline: Deadline, limit: int) -> tuple[bytes, bool]:
    """Read at most `limit` body bytes; closing the response afterwards drops the connection.

    Also says whether reading stalled (deadline or read timeout). A body broken off for any
    other reason keeps what arrived: the status already tells the story.
    """
    content = bytearray()
    try:
        for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
            content += chunk
            if len(content) >= limit:
                break
            if deadline.passed:
                return bytes(content), True
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        stalled = deadline.passed or _caused_by(error, (TimeoutError, ReadTimeoutError))
        return bytes(content[:limit]), stalled
    # When the deadline shut the socket, a body without a length just looks finished.
    return bytes(content[:limit]), deadline.expired


def _describe_failure(
    error: BaseException, host: str, deadline: Deadline, limits: _Limits
) -> tuple[Outcome, str]:
    # "Timed out" means we cannot know whether it arrived; a failed connect means it did not.
    if isinstance(error, requests.exceptions.ConnectTimeout):
        seconds = min(limits.connect, limits.deadline)
        return Outcome.FAILED, f"Could not connect to {host} within {seconds:g} s"
    if deadline.passed:
        return Outcome.TIMED_OUT, _timeout_detail(deadline, limits)
    if isinstance(error, BlockedAddress):
        return Outcome.BLOCKED, str(error)
    if isinstance(error, requests.exceptions.SSLError):
        if _caused_by(error, ssl.SSLCertVerificationError):
            return Outcome.FAILED, f"TLS certificate of {host} could not be verified"
        return Outcome.FAILED, f"Could not set up a secure (TLS) connection to {host}"
    if isinstance(error, requests.exceptions.ReadTimeout):
        return Outcome.TIMED_OUT, f"No answer within {limits.read:g} s"
    if _caused_by(error, urllib3.exceptions.ProtocolError):
        return Outcome.FAILED, f"{host} closed the connection without answering"
    if isinstance(error, requests.exceptions.ConnectionError):
        return Outcome.FAILED, f"Could not connect to {host}"
    # The exception text can quote the URL, so only its type is logged.
    logger.warning("Outgoing POST to %s failed: %s", host, type(error).__name__)
    return Outcome.FAILED, f"The request to {host} failed"


def _timeout_detail(deadline: Deadline, limits: _Limits) -> str:
    if deadline.passed:
        return f"No complete answer within {limits.deadline:g} s"
    return f"No answer within {limits.read:g} s"


def _caused_by(
    error: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]
) -> bool:
    """Whether `kind` is anywhere in the chain requests and urllib3 wrap errors in."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        links = (current.__cause__, current.__context__, getattr(current, "reason", None))
        pending.extend(e for e in (*links, *current.args) if isinstance(e, BaseException))
    return False


def _redirect_host(url: str, location: str) -> str | None:
    if not location:
        return None
    try:
        return urlsplit(urljoin(url, location)).hostname
    except ValueError:
        return None
