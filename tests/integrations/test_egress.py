import logging
import re
import socket
import ssl
import subprocess
import time

import pytest
import requests
import responses
from pytest_httpserver import HTTPServer

from integrations.address_policy import validate_endpoint_url
from integrations.egress import Outcome, post_json
from tests.support.connections import BODY_VALUE, KEY_VALUE
from tests.support.resolver import PUBLIC_IP, fake_resolver

URL = "https://api.example.com/hooks/run"
SECRET_HEADERS = {"X-Api-Key": KEY_VALUE}
SECRET_BODY = '{"pipeline": "forecast", "token": "' + BODY_VALUE + '"}'
KEY = "5b0bd6c3-8a4e-4a8e-9a53-3f1f1f2f9c11"


@pytest.fixture(autouse=True)
def dns(settings):
    settings.OUTBOUND_ALLOWLIST = []
    settings.OUTBOUND_ALLOW_HTTP = False
    settings.OUTBOUND_CONNECT_TIMEOUT = 5.0
    settings.OUTBOUND_READ_TIMEOUT = 10.0
    settings.OUTBOUND_DEADLINE = 15.0
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 65536
    settings.SWITCHBOARD_VERSION = "0.1.0"
    with fake_resolver({"api.example.com": [PUBLIC_IP]}) as resolver:
        yield resolver


def send(url=URL, headers=SECRET_HEADERS, body=SECRET_BODY):
    return post_json(url=url, headers=headers, body=body, idempotency_key=KEY)


@responses.activate
def test_it_sends_exactly_the_configured_request():
    responses.post(URL, body="queued")
    result = send(headers={**SECRET_HEADERS, "user-agent": "spoof", "Host": "evil.example"})
    assert result.outcome == Outcome.SUCCEEDED and result.status_code == 200
    assert re.fullmatch(r"Sent · 200 in \d+ ms", result.detail)
    assert (result.response_excerpt, result.bytes_read) == ("queued", 6)
    sent = responses.calls[0].request
    assert (sent.method, sent.url, sent.body) == ("POST", URL, SECRET_BODY.encode())
    assert sent.headers["User-Agent"] == "Switchboard/0.1.0"
    assert sent.headers["Idempotency-Key"] == KEY
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["X-Api-Key"] == KEY_VALUE
    assert "Host" not in sent.headers  # set from the URL when connecting, never from storage


@pytest.mark.parametrize(
    ("response", "outcome", "detail"),
    [
        ({"status": 500, "body": "boom"}, Outcome.FAILED, "The service answered 500"),
        ({"status": 404}, Outcome.FAILED, "The service answered 404"),
        (
            {"body": requests.exceptions.ReadTimeout()},
            Outcome.TIMED_OUT,
            "No answer within 10 s",
        ),
        (
            {"body": requests.exceptions.ConnectTimeout()},
            Outcome.FAILED,
            "Could not connect to api.example.com within 5 s",
        ),
        (
            {"body": requests.exceptions.ConnectionError()},
            Outcome.FAILED,
            "Could not connect to api.example.com",
        ),
        (
            {"body": requests.exceptions.SSLError(ssl.SSLCertVerificationError(1, "verify"))},
            Outcome.FAILED,
            "TLS certificate of api.example.com could not be verified",
        ),
        (
            {"status": 302, "headers": {"Location": "https://evil.example/next"}},
            Outcome.FAILED,
            "Redirect to evil.example not followed",
        ),
        (
            {"status": 307, "headers": {"Location": "/elsewhere"}},
            Outcome.FAILED,
            "Redirect to api.example.com not followed",
        ),
    ],
)
@responses.activate
def test_it_reports_each_outcome_without_leaking_secrets(response, outcome, detail, caplog):
    caplog.set_level(logging.DEBUG)
    responses.post(URL, **response)
    result = send()
    assert (result.outcome, result.detail) == (outcome, detail)
    assert len(responses.calls) == 1  # never retried, never redirected
    for secret in (KEY_VALUE, BODY_VALUE):
        assert secret not in repr(result) and secret not in caplog.text


@responses.activate
def test_it_names_the_redirect_target():
    responses.post(URL, status=301, headers={"Location": "http://127.0.0.1:8080/admin"})
    result = send()
    assert (result.status_code, result.redirect_host) == (301, "127.0.0.1")


@responses.activate
def test_it_reads_at_most_64_kib_of_the_answer():
    responses.post(URL, body=b"x" * 10_000_000)
    result = send()
    assert result.outcome == Outcome.SUCCEEDED
    assert result.bytes_read == 65536
    assert result.response_excerpt == "x" * 2000


@pytest.mark.parametrize(
    ("url", "table", "outcome", "detail"),
    [
        (URL, ["10.0.0.5"], Outcome.BLOCKED, "Blocked: that address is not public"),
        (URL, ["93.184.216.34", "::1"], Outcome.BLOCKED, "Blocked: that address is not public"),
        ("https://nowhere.example/", None, Outcome.FAILED, "We could not resolve nowhere.example"),
        ("http://api.example.com/", ["93.184.216.34"], Outcome.BLOCKED, "Use https:// — plain"),
        ("https://169.254.169.254/", None, Outcome.BLOCKED, "Blocked: that address is not"),
    ],
)
@responses.activate
def test_it_refuses_before_connecting(dns, url, table, outcome, detail):
    responses.post(re.compile(".*"))
    if table:
        dns.table["api.example.com"] = table
    result = send(url=url)
    assert result.outcome == outcome and result.detail.startswith(detail)
    assert len(responses.calls) == 0


@responses.activate
def test_it_refuses_headers_that_cannot_travel_without_quoting_them():
    responses.post(URL)
    result = send(headers={"X-Api-Key": "sb-secret-k\r\nX-Injected: 1"})
    assert (result.outcome, result.detail) == (
        Outcome.FAILED,
        "The X-Api-Key header value has line breaks or surrounding spaces",
    )
    assert len(responses.calls) == 0


# A real receiver on 127.0.0.1: what actually arrives on the wire.


@pytest.fixture
def local(settings):
    """Let calls reach servers on this machine, as the development settings do."""
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True


@pytest.fixture
def receiver(local):
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_the_receiver_gets_exactly_the_configured_bytes(receiver):
    receiver.expect_request("/hooks/run", method="POST").respond_with_data("ok", status=202)
    body = '{"pipeline":  "forecast",\n "note": "café ✓"}'  # spacing kept, UTF-8 as typed
    result = send(
        url=f"http://127.0.0.1:{receiver.port}/hooks/run?source=board",
        headers={"X-Api-Key": "k-123", "Accept": "application/json"},
        body=body,
    )
    assert (result.outcome, result.status_code) == (Outcome.SUCCEEDED, 202)
    [(request, _)] = receiver.log
    assert (request.method, request.path, request.query_string) == (
        "POST",
        "/hooks/run",
        b"source=board",
    )
    assert request.get_data() == body.encode("utf-8")
    assert dict(request.headers) == {
        "Host": f"127.0.0.1:{receiver.port}",
        "User-Agent": "Switchboard/0.1.0",
        "Idempotency-Key": KEY,
        "Switchboard-Delivery-Id": KEY,
        "Content-Type": "application/json",
        "Content-Length": str(len(body.encode("utf-8"))),
        "X-Api-Key": "k-123",
        "Accept": "application/json",
        "Accept-Encoding": "identity",
    }


def test_an_empty_body_goes_out_empty_and_untyped(receiver):
    receiver.expect_request("/ping", method="POST").respond_with_data("")
    assert send(url=f"http://127.0.0.1:{receiver.port}/ping", body="").outcome == Outcome.SUCCEEDED
    [(request, _)] = receiver.log
    assert request.get_data() == b""
    assert request.headers["Content-Length"] == "0"
    assert "Content-Type" not in request.headers


def test_a_name_that_rebinds_to_a_local_address_after_setup_is_blocked(receiver, dns, settings):
    url = f"http://hooks.example:{receiver.port}/hook"
    dns.table["hooks.example"] = [["93.184.216.34"], ["127.0.0.1"]]  # setup, then send
    settings.OUTBOUND_ALLOWLIST = []
    receiver.expect_request("/hook").respond_with_data("should never be reached")
    validate_endpoint_url(url)
    result = send(url=url)
    assert (result.outcome, result.detail) == (
        Outcome.BLOCKED,
        "Blocked: that address is not public",
    )
    assert receiver.log == []


def test_it_pins_the_connection_to_the_checked_address(receiver, dns, monkeypatch):
    # If anything resolved "hooks.example" again (the OS resolver), this test would fail.
    real_getaddrinfo = socket.getaddrinfo
    system_lookups = []

    def getaddrinfo(host, *args, **kwargs):
        system_lookups.append(host)
        if host != "127.0.0.1":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    dns.table["hooks.example"] = ["127.0.0.1"]
    receiver.expect_request("/hook").respond_with_data("ok")
    # An address in any spelling goes out as browsers write it, the host its quota counts.
    spellings = {"hooks.example": "hooks.example", "2130706433": "127.0.0.1"}
    spellings |= {"0x7f.1": "127.0.0.1", "[::ffff:127.0.0.1]": "127.0.0.1"}
    for host, host_header in spellings.items():
        result = send(url=f"http://{host}:{receiver.port}/hook?x=%2F&y=")
        assert result.outcome == Outcome.SUCCEEDED, result.detail
        request = receiver.log[-1][0]
        assert request.headers["Host"] == f"{host_header}:{receiver.port}"
        assert request.full_path == "/hook?x=%2F&y="  # path and query byte for byte
    assert dns.lookups == ["hooks.example"]
    assert set(system_lookups) == {"127.0.0.1"}


def test_a_redirect_to_a_local_address_is_not_followed(receiver):
    target = f"http://127.0.0.1:{receiver.port}/internal"
    receiver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": target}
    )
    receiver.expect_request("/internal").respond_with_data("secret admin page")
    result = send(url=f"http://127.0.0.1:{receiver.port}/start")
    assert (result.outcome, result.redirect_host) == (Outcome.FAILED, "127.0.0.1")
    assert result.detail == "Redirect to 127.0.0.1 not followed"
    assert [request.path for request, _ in receiver.log] == ["/start"]


def test_a_huge_answer_is_cut_at_64_kib_and_returns_promptly(receiver):
    receiver.expect_request("/big").respond_with_data(b"x" * 10_000_000)
    started = time.monotonic()
    result = send(url=f"http://127.0.0.1:{receiver.port}/big")
    assert (result.outcome, result.bytes_read) == (Outcome.SUCCEEDED, 65536)
    assert time.monotonic() - started < 10  # loose: a busy machine must not fail this


def test_proxies_from_the_environment_are_ignored(receiver, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    receiver.expect_request("/hook").respond_with_data("ok")
    assert send(url=f"http://127.0.0.1:{receiver.port}/hook").outcome == Outcome.SUCCEEDED
    assert len(receiver.log) == 1


def test_a_closed_port_is_a_failed_connection(local):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        result = send(url=f"http://127.0.0.1:{port}/hook")
    assert (result.outcome, result.detail) == (Outcome.FAILED, "Could not connect to 127.0.0.1")


@pytest.fixture
def tls_receiver(tmp_path):
    """HTTPS on 127.0.0.1 with a self-signed certificate for hooks.example."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=hooks.example"]
        + ["-addext", "subjectAltName=DNS:hooks.example"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server_names = []
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    yield server, server_names
    server.stop()


def test_tls_keeps_the_host_name_while_connecting_to_the_checked_address(
    tls_receiver, dns, settings
):
    server, server_names = tls_receiver
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    dns.table["hooks.example"] = ["127.0.0.1"]
    result = send(url=f"https://hooks.example:{server.port}/hook")
    assert (result.outcome, result.detail) == (
        Outcome.FAILED,
        "TLS certificate of hooks.example could not be verified",  # self-signed: not trusted
    )
    assert server_names == ["hooks.example"]
    assert server.log == []
