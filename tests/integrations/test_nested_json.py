"""Deeply nested JSON in Headers or the JSON body gets a message next to its field, never an
error page, however the nesting is written."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations import validators
from integrations.models import Connection
from integrations.validators import MAX_JSON_DEPTH, parse_headers, validate_body_text
from tests.integrations.connection_support import BODY, HEADERS, field_html, form_data, set_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]

TOO_DEEP_BODY = "The JSON body is nested too deeply"
TOO_DEEP_HEADERS = "Headers are nested too deeply"

# Each fits the 1000-character limit; Python's parser recurses once per bracket.
DEEP_BODIES = [
    "[" * 999,
    '["x",' + "[" * 983,
    "[" * 500 + "]" * 500,
    '{"a":' * 199,
]
DEEP_HEADERS = [
    "[" * 200,
    '{"X-Team":' + "[" * 190,
    '{"X-Team":' + "[" * 94 + "]" * 94 + "}",
]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("body", DEEP_BODIES)
@pytest.mark.parametrize("htmx", [{}, {"HTTP_HX_REQUEST": "true"}])
def test_it_refuses_a_deeply_nested_body_at_setup(world, body, htmx):
    response = world.client_for("alice").post(
        reverse("integrations:connection_create"), form_data(body=body), **htmx
    )
    assert response.status_code == 200
    assert TOO_DEEP_BODY in field_html(response.content.decode(), "body")
    assert not Connection.objects.exists()


@pytest.mark.parametrize("body", DEEP_BODIES)
def test_it_refuses_a_deeply_nested_body_when_replacing_it(world, body):
    connection = set_up(world)
    response = world.client_for("alice").post(
        reverse("integrations:connection_edit", args=[connection.pk]),
        form_data(name="Renamed", body=body, replace_body="on", headers=None),
    )
    assert response.status_code == 200
    assert TOO_DEEP_BODY in field_html(response.content.decode(), "body")
    connection.refresh_from_db()
    assert (connection.name, connection.body, connection.headers) == (
        "Forecast pipeline",
        BODY,
        HEADERS,
    )


@pytest.mark.parametrize("headers", DEEP_HEADERS)
def test_it_refuses_deeply_nested_headers_at_setup_and_when_replacing_them(world, headers):
    client = world.client_for("alice")
    response = client.post(reverse("integrations:connection_create"), form_data(headers=headers))
    assert response.status_code == 200
    assert TOO_DEEP_HEADERS in field_html(response.content.decode(), "headers")
    assert not Connection.objects.exists()

    connection = set_up(world)
    response = client.post(
        reverse("integrations:connection_edit", args=[connection.pk]),
        form_data(headers=headers, replace_headers="on", body=None),
    )
    assert response.status_code == 200
    assert TOO_DEEP_HEADERS in field_html(response.content.decode(), "headers")
    connection.refresh_from_db()
    assert connection.headers == HEADERS


def test_it_accepts_a_body_nested_exactly_as_deep_as_allowed():
    assert validate_body_text(nested(MAX_JSON_DEPTH)) == nested(MAX_JSON_DEPTH)
    with pytest.raises(ValidationError, match=TOO_DEEP_BODY):
        validate_body_text(nested(MAX_JSON_DEPTH + 1))


def test_it_counts_only_brackets_outside_strings():
    text = json.dumps({"pattern": "[" * 300 + '\\"{' * 100})
    assert validate_body_text(text) == text
    assert parse_headers(json.dumps({"X-Team": "[" * 150})) == {"X-Team": "[" * 150}


def test_it_still_answers_with_a_message_if_the_parser_runs_out_of_stack(monkeypatch):
    # With the depth check out of the way, 999 levels exceed Python's recursion limit.
    monkeypatch.setattr(validators, "MAX_JSON_DEPTH", 10_000)
    with pytest.raises(ValidationError, match=TOO_DEEP_BODY):
        validate_body_text("[" * 999)
