"""Header names that differ only in case, `-` or `_` reach many receivers as one header (CGI and
WSGI servers read both X-A and X_A as HTTP_X_A), so Setup refuses them as duplicates. Names are
compared the way forbidden headers are: lower case, without hyphens or underscores."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.models import Connection
from integrations.validators import parse_headers
from tests.integrations.connection_support import field_html, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]


def same_header(first: str, second: str) -> str:
    return (
        f"{first} and {second} count as the same header: names that differ only in case, - or _ "
        "reach many servers as one. Give it once."
    )


def refusal_text(text: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_headers(text)
    return caught.value.messages


def refusal(headers: dict[str, str]) -> list[str]:
    return refusal_text(json.dumps(headers))


@pytest.mark.parametrize(
    ("first", "second"),
    [("X-A", "x_a"), ("X-Token", "X_TOKEN"), ("X-Team", "x-team"), ("X-Api-Key", "XApiKey")],
)
def test_it_refuses_spellings_of_one_header_naming_both(first, second):
    assert refusal({first: "a", second: "b"}) == [same_header(first, second)]


def test_it_refuses_the_same_name_written_twice():
    # JSON allows it; a dict would silently keep the last one.
    assert refusal_text('{"X-Team": "a", "X-Team": "b"}') == [
        "X-Team appears more than once; give each header once."
    ]


def test_it_names_each_later_spelling_against_the_first():
    assert refusal({"X-A": "1", "x_a": "2", "X_A": "3"}) == [
        same_header("X-A", "x_a"),
        same_header("X-A", "X_A"),
    ]


def test_it_accepts_headers_that_are_really_different():
    headers = {"X-A": "1", "X-AB": "2", "X-B-A": "3"}
    assert parse_headers(json.dumps(headers)) == headers


def test_it_shows_the_duplicate_next_to_the_headers_field_and_saves_nothing(world):
    page = (
        world.client_for("alice")
        .post(
            reverse("integrations:connection_create"),
            form_data(headers=json.dumps({"X-Token": "a", "X_TOKEN": "b"})),
        )
        .content.decode()
    )
    assert "X-Token and X_TOKEN count as the same header" in field_html(page, "headers")
    assert not Connection.objects.exists()
