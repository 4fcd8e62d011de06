import ipaddress
import socket
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from integrations import address_policy
from integrations.address_policy import (
    NAME_NOT_CALLABLE,
    BlockedAddress,
    UnresolvableHost,
    check_address_at_send,
    is_public_address,
    parse_ipv4_literal,
    validate_endpoint_url,
)
from tests.support.resolver import fake_resolver

DNS = {
    "api.example.com": ["93.184.216.34"],
    "v6.example.com": ["2606:2800:220:1::"],
    "internal.example": ["10.0.0.5"],
    "metadata.example": ["169.254.169.254"],
    "localhost": ["127.0.0.1", "::1"],
    "loopback6.example": ["::1"],
    "mapped.example": ["::ffff:10.0.0.1"],
    "cgnat.example": ["100.64.12.34"],
    # Only one of several addresses is private: the connection could go to any of them.
    "mixed.example": ["93.184.216.34", "10.0.0.5"],
    "mixed6.example": ["2606:2800:220:1::", "fd00::1"],
    "empty.example": [],
}


REAL_RESOLVE_HOST = address_policy.resolve_host


def no_real_dns(*args, **kwargs):
    raise AssertionError("tests must not use real DNS")


@pytest.fixture(autouse=True)
def dns(settings, monkeypatch):
    settings.OUTBOUND_ALLOWLIST = []
    settings.OUTBOUND_ALLOW_HTTP = False
    monkeypatch.setattr(socket, "getaddrinfo", no_real_dns)
    with fake_resolver(DNS) as resolver:
        yield resolver


def rejection(url: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_endpoint_url(url)
    return caught.value


LOCAL_URLS = [
    "https://127.0.0.1/",
    "https://127.0.0.1./",
    "https://127.1/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0X7F.1/",
    "https://0177.0.0.1/",
    "https://0x7f.0.0.1/",
    "https://0/",
    "https://10.0.0.1/",
    "https://172.16.0.1/",
    "https://192.168.1.1:8443/",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "https://240.0.0.1/",
    "https://255.255.255.255/",
    "https://192.0.0.8/",
    "https://192.0.2.10/",
    "https://198.18.0.1/",
    "https://198.51.100.7/",
    "https://203.0.113.9/",
    "https://[::1]/",
    "https://[::]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[::ffff:a9fe:a9fe]/",
    "https://[::127.0.0.1]/",
    "https://[fc00::1]/",
    "https://[fd12::1]/",
    "https://[fe80::1]/",
    "https://[fec0::1]/",
    "https://[ff02::1]/",
    "https://[64:ff9b::a00:1]/",
    "https://[64:ff9b::7f00:1]/",
    "https://[64:ff9b:1::808:808]/",
    "https://[2002:7f00:1::]/",
    "https://[2002:808:808::1]/",
    "https://[2001:0:a00:1::80ff:fffe]/",  # Teredo: server 10.0.0.1, client 127.0.0.1
    "https://[2001:db8::1]/",
    "https://internal.example/hook",
    "https://metadata.example/",
    "https://localhost/",
    "https://loopback6.example/",
    "https://mapped.example/",
    "https://cgnat.example/",
    "https://mixed.example/",
    "https://mixed6.example/",
]


@pytest.mark.parametrize("url", LOCAL_URLS)
def test_it_rejects_local_addresses(url):
    error = rejection(url)
    assert error.code == "not_public"
    is_name = url.split("/")[2].split(":")[0] in DNS
    expected = NAME_NOT_CALLABLE if is_name else "Switchboard only calls public addresses."
    assert expected in error.messages[0]


def test_it_never_names_the_address_a_name_resolves_to():
    assert rejection("https://internal.example/x").messages == [NAME_NOT_CALLABLE]


@pytest.mark.parametrize(
    "url",
    [
        "https://internal.example/hook",
        "https://mixed.example/",
        "https://localhost/",
        "https://empty.example/",
    ],
)
def test_it_says_the_same_for_a_private_name_as_for_a_name_that_does_not_resolve(url):
    # Different words would tell an admin which internal names exist.
    assert rejection(url).messages == rejection("https://nowhere.example/hook").messages


def test_it_says_the_same_when_the_lookup_times_out(settings, dns):
    settings.OUTBOUND_CONNECT_TIMEOUT = 0.05
    release = threading.Event()
    dns.stall = release
    try:
        assert rejection("https://slow.example/").messages == [NAME_NOT_CALLABLE]
    finally:
        release.set()


@pytest.mark.parametrize(
    "url",
    [
        "https://internal.example/x",
        "https://metadata.example/",
        "https://mapped.example/",
        "https://mixed.example/",
        "https://mixed6.example/",
        "https://cgnat.example/",
    ],
)
def test_it_keeps_the_resolved_addresses_of_a_refused_name_out_of_the_message(url):
    message = rejection(url).messages[0]
    host = url.split("/")[2]
    for address in DNS[host]:
        assert address not in message
        assert str(ipaddress.ip_address(address)) not in message


def test_it_spells_out_an_address_the_admin_typed():
    assert rejection("https://2130706433/").messages == [
        "2130706433 means 127.0.0.1, which is a private or local address. "
        "Switchboard only calls public addresses."
    ]
    assert rejection("https://10.0.0.1/").messages[0].startswith("10.0.0.1 is a private")


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://api.example.com/hooks/run?x=1", "api.example.com", 443),
        ("https://API.Example.com.:8443/x", "api.example.com", 8443),
        ("https://v6.example.com/", "v6.example.com", 443),
        ("https://93.184.216.34/", "93.184.216.34", 443),
        ("https://[2606:2800:220:1::]:444/", "2606:2800:220:1::", 444),
        # NAT64 of a public address: what DNS64 hands out on IPv6-only networks.
        ("https://[64:ff9b::5db8:d822]/", "64:ff9b::5db8:d822", 443),
    ],
)
def test_it_accepts_public_urls(url, host, port):
    endpoint = validate_endpoint_url(url)
    assert (endpoint.url, endpoint.host, endpoint.port) == (url, host, port)


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("http://api.example.com/", "http", "Use https://"),
        ("ftp://api.example.com/", "scheme", "Enter a full URL starting with https://."),
        ("api.example.com/hook", "scheme", "Enter a full URL"),
        ("//api.example.com/hook", "scheme", "Enter a full URL"),
        ("https://user:pw@api.example.com/", "userinfo", "Remove the user name and password"),
        ("https://@api.example.com/", "userinfo", "Remove the user name"),
        ("https:///hook", "no_host", "The URL has no host name."),
        ("https://api.example.com:0/", "port", "The port must be"),
        ("https://api.example.com:65536/", "invalid_url", "The port must be"),
        ("https://api.example.com:http/", "invalid_url", "The port must be"),
        (" https://api.example.com/", "whitespace", "spaces or control characters"),
        ("https://api.example.com/a b", "whitespace", "spaces or control characters"),
        ("https://api.example.com/\x00", "whitespace", "spaces or control characters"),
        ("https://api.example.com\t/", "whitespace", "spaces or control characters"),
        ("https://api.example.com/\u200b", "whitespace", "spaces or control characters"),
        ("https://evil.example\\@api.example.com/", "backslash", "backslash"),
        ("https://api.example.com/" + "a" * 2048, "too_long", "at most 2048 characters"),
        ("https://[fe80::1%25eth0]/", "invalid_ip", "is not a valid IP address."),
        ("https://1.2.3.4.5/", "invalid_ip", "is not a valid IP address."),
        ("https://256.0.0.1/", "invalid_ip", "is not a valid IP address."),
        ("https://08.0.0.1/", "invalid_ip", "is not a valid IP address."),
        ("https://example.123/", "invalid_ip", "is not a valid IP address."),
        ("https://ex%61mple.com/", "invalid_host", "is not a valid host name."),
        ("https://nowhere.example/", "unresolvable", NAME_NOT_CALLABLE),
        ("https://empty.example/", "unresolvable", NAME_NOT_CALLABLE),
    ],
)
def test_it_explains_what_is_wrong_with_the_url(url, code, message):
    error = rejection(url)
    assert error.code == code
    assert message in error.messages[0]


def test_it_allows_plain_http_only_when_the_operator_does(settings):
    assert rejection("http://api.example.com/").messages == [
        "Use https:// — plain http:// is not allowed on this Switchboard."
    ]
    settings.OUTBOUND_ALLOW_HTTP = True
    assert validate_endpoint_url("http://api.example.com/").port == 80
    assert rejection("ftp://api.example.com/").messages == [
        "Enter a full URL starting with https:// or http://."
    ]


def test_it_exempts_allowlisted_hosts(settings):
    settings.OUTBOUND_ALLOWLIST = ["LocalHost"]
    assert validate_endpoint_url("https://localhost:8000/").host == "localhost"
    assert check_address_at_send("localhost", 8000) == "127.0.0.1"
    rejection("https://127.0.0.1/")  # the name is exempt, not the addresses it resolves to


def test_it_exempts_allowlisted_networks(settings):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.0/8", "fd00::/8", "10.0.0.5"]
    for url in ["https://127.0.0.1/", "https://127.1/", "https://[::ffff:127.0.0.1]/"]:
        validate_endpoint_url(url)
    validate_endpoint_url("https://mixed6.example/")
    validate_endpoint_url("https://internal.example/")
    rejection("https://10.0.0.1/")
    rejection("https://localhost/")  # ::1 is not allowlisted


def test_it_refuses_a_malformed_allowlist(settings):
    settings.OUTBOUND_ALLOWLIST = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured):
        validate_endpoint_url("https://api.example.com/")


def test_it_checks_again_at_send_time_and_returns_the_address_to_connect_to(dns):
    dns.table["rebind.example"] = [["93.184.216.34"], ["127.0.0.1"]]
    validate_endpoint_url("https://rebind.example/")
    with pytest.raises(BlockedAddress) as caught:
        check_address_at_send("rebind.example", 443)
    assert (caught.value.host, caught.value.ip) == ("rebind.example", "127.0.0.1")
    assert str(caught.value) == "Blocked: that address is not public"


def test_it_sends_to_the_first_resolved_address_only_when_all_are_public(dns):
    dns.table["two.example"] = ["93.184.216.34", "93.184.216.35"]
    assert check_address_at_send("two.example", 443) == "93.184.216.34"
    with pytest.raises(BlockedAddress):
        check_address_at_send("mixed.example", 443)
    with pytest.raises(UnresolvableHost, match="We could not resolve nowhere.example."):
        check_address_at_send("nowhere.example", 443)


def test_the_resolver_seam_lists_each_address_once_in_order(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        assert (host, port) == ("api.example.com", 443)
        tcp = socket.AF_INET, socket.SOCK_STREAM, 6, ""
        tcp6 = socket.AF_INET6, socket.SOCK_STREAM, 6, ""
        return [
            (*tcp6, ("2606:2800:220:1::", 443, 0, 0)),
            (*tcp, ("93.184.216.34", 443)),
            (*tcp6, ("2606:2800:220:1::", 443, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert REAL_RESOLVE_HOST("api.example.com", 443) == ["2606:2800:220:1::", "93.184.216.34"]


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:93.184.216.34", True),
        ("64:ff9b::808:808", True),
        ("192.88.99.1", False),
        ("fe80::1%eth0", False),
        ("not an address", False),
    ],
)
def test_is_public_address(ip, public):
    assert is_public_address(ip) is public


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_spelling_of_an_ipv4_address_gets_the_same_verdict(value):
    ip = ipaddress.IPv4Address(value)
    a, b, c, d = ip.packed
    spellings = [str(value), hex(value), f"0{value:o}", f"{a}.{(b << 16) + (c << 8) + d}"]
    spellings.append(f"{a:#x}.{b:#o}.{c}.{d:#x}".replace("0o", "0"))
    assert {parse_ipv4_literal(s) for s in spellings} == {ip}
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    assert is_public_address(ip) == is_public_address(mapped)


@pytest.mark.parametrize(
    ("typed", "host"),
    [
        ("134744072", "8.8.8.8"),
        ("0x8080808", "8.8.8.8"),
        ("8.8.2056", "8.8.8.8"),
        ("010.010.010.010", "8.8.8.8"),
        ("8.8.8.8.", "8.8.8.8"),
        ("[::ffff:8.8.8.8]", "8.8.8.8"),
        ("[0:0:0:0:0:ffff:808:808]", "8.8.8.8"),
        ("[2606:2800:0220:0001:0000:0000:0000:0000]", "2606:2800:220:1::"),
        ("[2606:2800:220:1::ABCD]", "2606:2800:220:1::abcd"),
        ("API.Example.com", "api.example.com"),
    ],
)
def test_it_writes_an_address_host_one_way_whatever_the_spelling(typed, host):
    endpoint = validate_endpoint_url(f"https://{typed}:8443/run")
    assert (endpoint.host, endpoint.url) == (host, f"https://{typed}:8443/run")


def test_it_names_the_spelling_typed_when_a_mapped_address_is_local():
    assert rejection("https://[::ffff:127.0.0.1]/").messages == [
        "::ffff:127.0.0.1 means 127.0.0.1, which is a private or local address. "
        "Switchboard only calls public addresses."
    ]
