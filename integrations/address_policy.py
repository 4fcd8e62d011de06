"""Which outgoing addresses Switchboard may call: the one place for that rule.

Used twice: when an admin sets up a connection (`validate_endpoint_url`, form-friendly
ValidationErrors) and again right before every send (`check_address_at_send`), because what a
name resolves to can change between the two (DNS rebinding). Every lookup goes through
`resolve_host`, so tests control DNS completely and egress connects to the exact address
checked here.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import re
import socket
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

import idna
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048
NOT_PUBLIC = "a private or local address. Switchboard only calls public addresses."
# One message for every name Switchboard will not call at setup, whether it resolves to a private
# address, to nothing, or not in time: different words would let an admin test which internal
# names exist. (An IP typed as such gets a specific message: it reveals only the admin's input.)
NAME_NOT_CALLABLE = (
    "Switchboard cannot call this host: check that its name is spelled right and that it "
    "resolves to public addresses only."
)

# `ipaddress.is_global` alone is not enough: on Python 3.11 it calls multicast, 192.0.0.0/24,
# 6to4, NAT64 and site-local addresses "global". These are blocked explicitly.
_BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT, can route to internal workloads
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, incl. the cloud metadata service 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, incl. broadcast 255.255.255.255
        "::/128",
        "::1/128",
        # IPv6 forms that carry an IPv4 address. We block the whole prefix rather than judge
        # the embedded address: these are obsolete or relay-routed, and never where a real
        # webhook lives. IPv4-mapped (::ffff:0:0/96) and NAT64 64:ff9b::/96 are the exceptions,
        # judged by their embedded IPv4 in `is_public_address`.
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",  # local-use NAT64: the embedding is site-specific, so unknowable
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, incl. Teredo 2001::/32 and benchmarking
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed internally by some networks)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


class AddressPolicyError(Exception):
    """The send-time check refused a host. Messages never contain the URL, only the host."""


class UnresolvableHost(AddressPolicyError):
    def __init__(self, host: str, *, within: float | None = None) -> None:
        limit = f" within {within:g} s" if within is not None else ""
        super().__init__(f"We could not resolve {host}{limit}.")
        self.host = host
        self.timed_out = within is not None


class BlockedAddress(AddressPolicyError):
    def __init__(self, host: str, ip: str) -> None:
        super().__init__("Blocked: that address is not public")
        self.host = host
        self.ip = ip


class Origin(NamedTuple):
    """Which server a URL reaches: another scheme, host or port is another server, even on the
    same machine. The host is canonical and the port effective, so `https://a.example/` and
    `https://A.example.:443/` are one origin."""

    scheme: str
    host: str
    port: int


@dataclass(frozen=True)
class ParsedEndpoint:
    """A checked endpoint URL.

    `host` is the one spelling of the host used everywhere else: Connection.host, the quota
    key, the address check and the request itself. An IP literal is canonical (see
    `canonical_host`), so "134744072", "0x8080808", "8.8.2056", "010.010.010.010" and
    "[::ffff:8.8.8.8]" are all the host 8.8.8.8 and share its hourly quota.
    """

    url: str  # as typed
    scheme: str
    host: str  # lowercase ASCII, no brackets, no trailing dot; canonical for IP literals
    port: int  # explicit, or the scheme's default
    ip_literal: str | None  # canonical address when the host is written as an IP, in any spelling
    typed_host: str = ""  # the host as the admin wrote it, for messages that explain a spelling

    @property
    def origin(self) -> Origin:
        return Origin(self.scheme, self.host, self.port)


_resolver_pool = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="resolve")


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses `host` resolves to, in the resolver's preferred order, without duplicates.

    The seam tests patch. Raises OSError when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(ip: str | IPAddress) -> bool:
    try:
        address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    except ValueError:
        return False  # fail closed on anything we cannot read
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        if address.ipv4_mapped is not None:
            # The OS connects to the IPv4 address itself.
            return is_public_address(address.ipv4_mapped)
        if address in _NAT64:
            # DNS64 synthesises these for every IPv4-only site on IPv6-only networks; the
            # gateway then connects to the embedded IPv4, so that address is what counts.
            return is_public_address(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if any(address in network for network in _BLOCKED_NETWORKS):
        return False
    return address.is_global


def _allowlist() -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in getattr(settings, "OUTBOUND_ALLOWLIST", []):
        entry = entry.strip().lower()
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            if "/" in entry:
                raise ImproperlyConfigured(
                    f"OUTBOUND_ALLOWLIST entry {entry!r} is not a valid CIDR."
                ) from None
            hosts.add(entry.rstrip("."))
    return frozenset(hosts), tuple(networks)


def is_allowlisted(*, host: str | None = None, ip: str | None = None) -> bool:
    """True when the operator exempted this host name, or a network containing this address."""
    hosts, networks = _allowlist()
    if host is not None and host.lower().rstrip(".") in hosts:
        return True
    if ip is None:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def _ipv4_number(part: str) -> int:
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)  # ValueError for "08": not octal
    return int(part, 10)


def parse_ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """Read a host the way browsers and inet_aton do: "127.1", "2130706433", "0x7f.0.0.1",
    "0177.0.0.1" all mean 127.0.0.1.

    None when the host is a name. ValueError when it looks numeric but is not a valid address
    (what a browser refuses too), so no spelling can slip past as a "name".
    socket.inet_aton is not used: glibc accepts trailing garbage after a space.
    """
    labels = host.lower().split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not _NUMERIC_LABEL.fullmatch(labels[-1]):
        return None
    if len(labels) > 4 or not all(_NUMERIC_LABEL.fullmatch(label) for label in labels):
        raise ValueError(host)
    numbers = [_ipv4_number(label) for label in labels]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(host)
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _literal_address(host: str) -> IPAddress | None:
    if ":" in host:
        return ipaddress.IPv6Address(host)
    return parse_ipv4_literal(host)


def _canonical_literal(address: IPAddress) -> IPAddress:
    # An IPv4-mapped IPv6 address is how the OS writes a plain IPv4 connection on a dual-stack
    # socket: the packets go to the embedded IPv4, so that is the host it is.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def canonical_host(host: str) -> str:
    """One spelling per host, so a quota keyed on it cannot be split by rewriting an address.

    IP literals become dotted-quad IPv4 (IPv4-mapped IPv6 included) or compressed IPv6; names
    are lowercased without a trailing dot. Anything unreadable is returned lowercased as is:
    the send-time check refuses it anyway.
    """
    bare = host.strip("[]").lower()
    try:
        literal = _literal_address(bare)
    except ValueError:
        return bare
    if literal is None:
        return bare.rstrip(".")
    return str(_canonical_literal(literal))


def _invalid(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def parse_endpoint_url(url: str) -> ParsedEndpoint:
    """Check the URL's form, without any DNS. Raises ValidationError with a message for people."""
    if len(url) > MAX_URL_LENGTH:
        raise _invalid(f"The URL is too long (at most {MAX_URL_LENGTH} characters).", "too_long")
    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in url):
        raise _invalid("The URL contains spaces or control characters.", "whitespace")
    if "\\" in url:
        # Browsers read a backslash as a slash, Python does not: the two would disagree on host.
        raise _invalid("The URL contains a backslash; use forward slashes.", "backslash")
    allow_http = getattr(settings, "OUTBOUND_ALLOW_HTTP", False)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _invalid("The port must be a number between 1 and 65535.", "invalid_url") from None
    if parts.scheme not in ({"https", "http"} if allow_http else {"https"}):
        if parts.scheme == "http":
            raise _invalid(
                "Use https:// — plain http:// is not allowed on this Switchboard.", "http"
            )
        start = "https:// or http://" if allow_http else "https://"
        raise _invalid(f"Enter a full URL starting with {start}.", "scheme")
    if "@" in parts.netloc:
        raise _invalid(
            "Remove the user name and password from the URL; send credentials in a header.",
            "userinfo",
        )
    bracketed = parts.netloc.startswith("[")
    host = (parts.hostname or "").rstrip(".") if not bracketed else parts.hostname or ""
    if not host:
        raise _invalid("The URL has no host name.", "no_host")
    if port == 0:
        raise _invalid("The port must be a number between 1 and 65535.", "port")
    typed_host = host
    literal = _read_host(host, bracketed)
    if literal is None:
        host = _ascii_hostname(host)
    else:
        literal = _canonical_literal(literal)
        host = str(literal)
    return ParsedEndpoint(
        url=url,
        scheme=parts.scheme,
        host=host,
        port=port or (443 if parts.scheme == "https" else 80),
        ip_literal=str(literal) if literal is not None else None,
        typed_host=typed_host,
    )


def url_origin(url: str) -> Origin | None:
    """The origin of a URL, without any DNS; None when today's rules cannot read the URL (one
    stored before an operator switched plain http off, say), which matches no origin."""
    try:
        return parse_endpoint_url(url).origin
    except ValidationError:
        return None


def _read_host(host: str, bracketed: bool) -> IPAddress | None:
    try:
        if bracketed:
            if "%" in host:
                raise ValueError(host)  # zone IDs name a local interface
            return ipaddress.IPv6Address(host)
        return parse_ipv4_literal(host)
    except ValueError:
        raise _invalid(f"{host} is not a valid IP address.", "invalid_ip") from None


def _ascii_hostname(host: str) -> str:
    # Same IDNA 2008 / UTS 46 encoding requests applies, so both agree on the name sent.
    try:
        ascii_host = host if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        ascii_host = ""
    labels = ascii_host.lower().split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise _invalid(f"{host} is not a valid host name.", "invalid_host")
    return ascii_host.lower()


def _addresses_for(host: str, port: int) -> list[str]:
    try:
        literal = _literal_address(host)
    except ValueError:
        raise UnresolvableHost(host) from None
    if literal is not None:
        return [str(literal)]
    # getaddrinfo has no timeout of its own: a slow resolver would hold a click (or a setup
    # request) for as long as it likes. It runs on a helper thread we stop waiting for.
    timeout = settings.OUTBOUND_CONNECT_TIMEOUT
    lookup = _resolver_pool.submit(resolve_host, host, port)
    try:
        addresses = lookup.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise UnresolvableHost(host, within=timeout) from None
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise UnresolvableHost(host)
    return addresses


def _first_blocked(host: str, addresses: list[str]) -> str | None:
    """The first address we must not call, or None. A name is only as safe as ALL of its
    addresses: the connection could go to any of them."""
    if is_allowlisted(host=host):
        return None
    for ip in addresses:
        if not is_public_address(ip) and not is_allowlisted(ip=ip):
            return ip
    return None


def validate_endpoint_url(url: str) -> ParsedEndpoint:
    """Full setup-time check: the URL's form, then every address the host resolves to."""
    endpoint = parse_endpoint_url(url)
    try:
        addresses = _addresses_for(endpoint.host, endpoint.port)
    except UnresolvableHost:
        # Only names get here (a literal needs no lookup). The code differs from a private
        # name's, the words do not: codes are for tests and never reach the page.
        raise _invalid(NAME_NOT_CALLABLE, "unresolvable") from None
    blocked = _first_blocked(endpoint.host, addresses)
    if blocked is not None:
        if endpoint.ip_literal == endpoint.typed_host:
            message = f"{blocked} is {NOT_PUBLIC}"
        elif endpoint.ip_literal is not None:
            # An IP typed in an odd spelling is the admin's own input: spell it out.
            message = f"{endpoint.typed_host} means {blocked}, which is {NOT_PUBLIC}"
        else:
            # Neither the address a name resolves to nor that it resolved at all: either would
            # let an admin map the private network name by name.
            message = NAME_NOT_CALLABLE
        raise _invalid(message, "not_public")
    return endpoint


def check_address_at_send(host: str, port: int) -> str:
    """Resolve once more right before sending; return the one address to connect to.

    Egress pins the connection to this address, so nothing re-resolves after the check.
    Raises UnresolvableHost or BlockedAddress.
    """
    addresses = _addresses_for(host, port)
    blocked = _first_blocked(host, addresses)
    if blocked is not None:
        raise BlockedAddress(host, blocked)
    return addresses[0]
