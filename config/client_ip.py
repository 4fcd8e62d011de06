"""The client's IP address for per-IP rate limits, behind a known number of reverse proxies.

X-Forwarded-For is a list each proxy appends to, so only the entries our own proxies added can be
trusted: with N trusted proxies the client is the N-th address from the right. Anything missing or
malformed falls back to the socket's address rather than failing the request.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if proxies <= 0 or len(forwarded) < proxies:
        return remote_addr
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr
