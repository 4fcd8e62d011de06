"""A real receiver on 127.0.0.1 that echoes the request back transformed — the credential without
its scheme, base64 and base64url at every alignment, hex, other case, JSON escapes of both styles,
percent-encoding — never gets a secret onto the delivery pages, nor into the database in clear."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection as db
from django.urls import reverse
from django.utils.html import escape
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations.models import Delivery
from integrations.services.deliveries import delivery_start
from integrations.services.delivery_send import delivery_execute
from integrations.services.masking import REDACTED
from tests.secret_log_guard import SECRET_MARKER
from tests.support.connections import connection_make

pytestmark = pytest.mark.django_db

CREDENTIAL = f"{SECRET_MARKER}Cred/ential<9f8e>"
BASIC_PASSWORD = f"{SECRET_MARKER}hunter2"
BODY_TOKEN = f"{SECRET_MARKER}body/token<&>"
BODY = json.dumps({"pipeline": "forecast", "token": BODY_TOKEN, "notify": True})


def transformations(value: str) -> dict[str, str]:
    """What echo services have been seen to do with a value."""
    raw = value.encode()
    forms = {
        "as typed": value,
        "upper case": value.upper(),
        "lower case": value.lower(),
        "JSON, slashes escaped": json.dumps(value)[1:-1].replace("/", "\\/"),
        "JSON, \\u escapes": "".join(f"\\u{ord(c):04x}" if not c.isalnum() else c for c in value),
        "JSON, every character escaped": "".join(f"\\u{ord(c):04X}" for c in value),
        "URL-encoded": quote(value, safe=""),
        "URL-encoded, lower-case hex": quote(value, safe="").lower(),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
        "reversed": value[::-1],
    }
    for offset, prefix in enumerate([b"", b"x", b"xy"]):
        forms[f"base64 at offset {offset}"] = base64.b64encode(prefix + raw).decode()
        forms[f"base64url at offset {offset}"] = base64.urlsafe_b64encode(prefix + raw).decode()
    return forms


SECRETS = {"credential": CREDENTIAL, "basic password": BASIC_PASSWORD, "body value": BODY_TOKEN}


def echo(request: Request) -> Response:
    # What the receiver got, then every transformation; the excerpt keeps the first 2 KiB only,
    # so the receiver answers one secret per request (see `send`).
    wanted = request.args["secret"]
    lines = [f"{how}: {form}" for how, form in transformations(SECRETS[wanted]).items()]
    return Response("\n".join(lines), status=200, content_type="text/plain")


@pytest.fixture
def receiver(settings):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/echo", method="POST").respond_with_handler(echo)
    yield server
    server.clear()
    server.stop()


def connection_to(receiver: HTTPServer, world, *, secret: str, **fields):
    basic = base64.b64encode(f"forecast:{BASIC_PASSWORD}".encode()).decode()
    return connection_make(
        world.acme,
        url=receiver.url_for(f"/echo?secret={quote(secret)}"),
        headers={"Authorization": f"Bearer {CREDENTIAL}", "X-Service-Auth": f"Basic {basic}"},
        body=BODY,
        applications=[world.sales],
        **fields,
    )


def send(connection, user) -> Delivery | None:
    delivery = delivery_start(connection=connection, user=user, source=Delivery.Source.TEST)
    return delivery_execute(delivery_id=delivery.pk)


def assert_no_secret(text: str, where: str) -> None:
    for name, secret in SECRETS.items():
        for how, form in transformations(secret).items():
            assert form not in text and escape(form) not in text, f"{where}: {name}, {how}"
    assert SECRET_MARKER.lower() not in text.lower(), where


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_it_masks_every_transformation_of_an_echoed_secret(world, receiver, secret):
    connection = connection_to(receiver, world, secret=secret)
    delivery = send(connection, world.alice)
    assert delivery.outcome == Delivery.Outcome.SUCCEEDED
    excerpt = Delivery.objects.get(pk=delivery.pk).response_excerpt
    # Every line still says what it is; only the secret in it is gone.
    assert excerpt.count(REDACTED) == len(transformations(CREDENTIAL)), excerpt
    assert_no_secret(excerpt, "the stored excerpt")

    client = world.client_for("alice")
    for url in [
        reverse("integrations:delivery_status", args=[delivery.pk]),
        reverse("integrations:delivery_log", args=[connection.pk]),
        reverse("integrations:delivery_log_all"),
    ]:
        page = client.get(url).content.decode()
        assert REDACTED in page, url
        assert_no_secret(page, url)


def test_the_database_holds_the_excerpt_encrypted(world, receiver):
    connection = connection_to(receiver, world, secret="credential")
    delivery = send(connection, world.alice)
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT response_excerpt FROM integrations_delivery WHERE id = %s", [delivery.pk]
        )
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("gAAAA")  # a Fernet token
    assert "as typed" not in stored and "base64" not in stored
    assert "as typed" in Delivery.objects.get(pk=delivery.pk).response_excerpt


def test_the_sqlite_file_holds_no_secret_after_a_call(transactional_db, world, receiver):
    if db.vendor != "sqlite":
        pytest.skip("reads the SQLite database file itself")
    connection = connection_to(receiver, world, secret="body value")
    send(connection, world.alice)  # committed: the rows are in the file (or its journal)
    name = Path(db.settings_dict["NAME"])
    files = sorted(str(path) for path in name.parent.glob(name.name + "*"))
    # Read by another process: closing a file this process opened would drop every POSIX lock
    # the process holds on it, the locks of its open SQLite connections included, and corrupt
    # their view of the database for the rest of the run.
    stored = subprocess.run(["cat", *files], capture_output=True, check=True).stdout  # noqa: S603,S607
    assert b"Forecast pipeline" in stored  # the delivery row's clear columns are in these bytes
    for secret in SECRETS.values():
        for form in transformations(secret).values():
            assert form.encode() not in stored
    assert b"as typed" not in stored  # the excerpt itself is not there in clear


def test_without_keep_response_bodies_only_status_and_duration_are_recorded(world, receiver):
    connection = connection_to(receiver, world, secret="credential", keep_response_bodies=False)
    delivery = Delivery.objects.get(pk=send(connection, world.alice).pk)
    assert (delivery.outcome, delivery.http_status) == (Delivery.Outcome.SUCCEEDED, 200)
    assert delivery.duration_ms is not None
    assert delivery.response_excerpt == ""
    page = world.client_for("alice").get(
        reverse("integrations:delivery_status", args=[delivery.pk])
    )
    assert "as typed" not in page.content.decode()
