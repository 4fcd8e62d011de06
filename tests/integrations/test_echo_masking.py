"""A service that echoes the request back, escaped, re-serialised or percent-encoded, never gets
a header value or the body onto the delivery pages."""

import json
from urllib.parse import quote, quote_plus

import pytest
import responses
from django.urls import reverse
from django.utils.html import escape

from integrations.models import Delivery
from integrations.services.deliveries import delivery_start
from integrations.services.delivery_send import delivery_execute
from tests.secret_log_guard import SECRET_MARKER
from tests.support.connections import URL, connection_make

pytestmark = pytest.mark.django_db

# Quotes and backslashes change under JSON escaping; "/", "&" and spaces under percent-encoding.
HEADER_VALUE = f'hdr"val\\ue-{SECRET_MARKER}k/y&z w'
TOKEN = f"{SECRET_MARKER}tok/en&x y"
PIN = 84736251
BODY = json.dumps({"pin": PIN, "token": TOKEN, "notify": True})
PARSED = json.loads(BODY)


@pytest.fixture(autouse=True)
def _outbound(settings, fake_dns):
    settings.OUTBOUND_ALLOWLIST = []
    settings.OUTBOUND_CALLS_PER_HOUR = 100


@pytest.fixture
def connection(world):
    return connection_make(
        world.acme, headers={"X-Api-Key": HEADER_VALUE}, body=BODY, applications=[world.sales]
    )


def forbidden_forms() -> list[str]:
    """Every spelling of every secret an echo service produces."""
    forms = [str(PIN), json.dumps(BODY), json.dumps(PARSED, separators=(",", ":"))]
    for value in (HEADER_VALUE, BODY, TOKEN):
        forms += [value, json.dumps(value)[1:-1], quote(value), quote(value, safe="")]
        forms += [quote_plus(value), json.dumps(json.dumps(value)[1:-1])[1:-1]]
    return forms


def echo(request):
    """What echo services answer: the request as JSON, the body once more as a parsed object,
    and the values again as a query string."""
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    answer = json.dumps(
        {
            "headers": {"X-Api-Key": request.headers["X-Api-Key"]},
            "data": body,
            "json": json.loads(body),
            # Laid out differently from the body: only its values can be recognised.
            "parsed": json.dumps(json.loads(body), indent=2),
            "form": json.dumps({"data": body}),
            "args": "key="
            + quote(request.headers["X-Api-Key"], safe="").lower()
            + "&token="
            + quote_plus(TOKEN)
            + "&body="
            + quote(body),
        }
    )
    return (200, {}, answer)


def send(connection, user):
    delivery = delivery_start(connection=connection, user=user, source=Delivery.Source.TEST)
    return delivery_execute(delivery_id=delivery.pk)


def assert_hidden(text: str, where: str) -> None:
    for form in forbidden_forms():
        assert form not in text and escape(form) not in text, f"{where} shows {form!r}"
    assert SECRET_MARKER not in text, where


@responses.activate
def test_it_masks_every_spelling_of_an_echoed_secret(world, connection):
    responses.add_callback(responses.POST, URL, callback=echo)
    delivery = send(connection, world.alice)
    assert delivery.outcome == Delivery.Outcome.SUCCEEDED
    assert_hidden(delivery.response_excerpt, "the stored excerpt")
    assert "[hidden]" in delivery.response_excerpt
    assert '\\"notify\\": true' in delivery.response_excerpt  # booleans are left alone

    client = world.client_for("alice")
    for url in [
        reverse("integrations:delivery_status", args=[delivery.pk]),
        reverse("integrations:delivery_log", args=[connection.pk]),
        reverse("integrations:delivery_log_all"),
    ]:
        page = client.get(url).content.decode()
        assert "[hidden]" in page, url
        assert_hidden(page, url)


@responses.activate
def test_it_masks_a_secret_cut_in_half_by_the_excerpt_limit(world, connection):
    padding = "x" * (2000 - 10)
    responses.post(URL, body=padding + HEADER_VALUE + " and more")
    delivery = send(connection, world.alice)
    assert delivery.response_excerpt == padding + "[hidden]"


@responses.activate
def test_it_leaves_short_numbers_and_ordinary_text_alone(world):
    connection = connection_make(world.acme, headers={}, body='{"n": 7, "on": false}')
    responses.post(URL, body='{"queued": 7, "on": false, "id": 123456}')
    delivery = send(connection, world.alice)
    assert delivery.response_excerpt == '{"queued": 7, "on": false, "id": 123456}'
