"""Every rule of a connection, at its boundary: the form shows the message next to its field
and nothing is saved."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.address_policy import NAME_NOT_CALLABLE
from integrations.models import Connection
from integrations.validators import (
    MAX_BODY_CHARS,
    MAX_HEADERS_CHARS,
    parse_headers,
    validate_body_text,
)
from tests.integrations.connection_support import field_html, form_data, set_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]

FORBIDDEN = [
    "Allow",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Location",
    "Content-MD5",
    "Content-Range",
    "Content-Type",
    "Expires",
    "Last-Modified",
    "NonValidated",
    "Host",
    "Connection",
    "Keep-Alive",
    "Transfer-Encoding",
    "TE",
    "Trailer",
    "Upgrade",
    "Proxy-Authorization",
    "Proxy-Authenticate",
    "Proxy-Connection",
    "Forwarded",
    "X-Forwarded-For",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "Via",
    "User-Agent",
    "Idempotency-Key",
    # Receivers behind a proxy read the client's address or the request's method from these.
    "X-Real-IP",
    "True-Client-IP",
    "X-HTTP-Method-Override",
    "X-HTTP-Method",
    "X-Method-Override",
]


def other_spellings(name: str) -> list[str]:
    return [name.upper(), name.lower().replace("-", ""), name.replace("-", "_")]


def headers_of_length(length: int) -> str:
    text = json.dumps({"X-Token": ""})
    return json.dumps({"X-Token": "a" * (length - len(text))})


def body_of_length(length: int) -> str:
    text = json.dumps({"k": ""})
    return json.dumps({"k": "b" * (length - len(text))})


def post_setup(world, **overrides):
    return world.client_for("alice").post(
        reverse("integrations:connection_create"), form_data(**overrides)
    )


def test_it_accepts_headers_of_exactly_200_characters(world):
    text = headers_of_length(MAX_HEADERS_CHARS)
    assert len(text) == 200
    response = post_setup(world, headers=text)
    assert response.status_code == 302
    assert Connection.objects.get().headers == text


def test_it_rejects_headers_of_201_characters_next_to_the_field(world):
    text = headers_of_length(MAX_HEADERS_CHARS + 1)
    assert len(text) == 201
    page = post_setup(world, headers=text).content.decode()
    assert "Headers can be at most 200 characters (you entered 201)." in field_html(page, "headers")
    assert not Connection.objects.exists()


def test_it_counts_a_submitted_line_break_as_one_character(world):
    # Browsers submit a textarea's line breaks as CR LF; the admin typed one character.
    text = '{\r\n"X-Token": "' + "a" * 183 + '"\r\n}'
    assert len(text.replace("\r\n", "\n")) == 200
    assert post_setup(world, headers=text).status_code == 302


def test_it_accepts_a_json_body_of_exactly_1000_characters(world):
    text = body_of_length(MAX_BODY_CHARS)
    assert len(text) == 1000
    assert post_setup(world, body=text).status_code == 302
    assert Connection.objects.get().body == text


def test_it_rejects_a_json_body_of_1001_characters_next_to_the_field(world):
    text = body_of_length(MAX_BODY_CHARS + 1)
    page = post_setup(world, body=text).content.decode()
    message = "The JSON body can be at most 1000 characters (you entered 1001)."
    assert message in field_html(page, "body")
    assert not Connection.objects.exists()


@pytest.mark.parametrize("text", ['{"a": 1', "{'a': 1}", "hello", '{"a": NaN}', "[1, 2,]"])
def test_it_rejects_a_body_that_is_not_valid_json(world, text):
    page = post_setup(world, body=text).content.decode()
    assert "The JSON body is not valid JSON" in field_html(page, "body")
    assert not Connection.objects.exists()


@pytest.mark.parametrize("text", ["[1, 2]", '"text"', "42", "null", '{"nested": {"a": [1]}}', ""])
def test_it_accepts_any_valid_json_body_or_none(text):
    assert validate_body_text(text) == text


@pytest.mark.parametrize("name", FORBIDDEN)
def test_it_rejects_each_forbidden_header_as_written(name):
    with pytest.raises(ValidationError, match="cannot be set"):
        parse_headers(json.dumps({name: "x"}))


@pytest.mark.parametrize(
    "spelling", [spelling for name in FORBIDDEN for spelling in other_spellings(name)]
)
def test_it_rejects_each_forbidden_header_in_other_spellings(spelling):
    with pytest.raises(ValidationError, match="cannot be set"):
        parse_headers(json.dumps({spelling: "x"}))


@pytest.mark.parametrize(
    "name", ["Content-Type", "contenttype", "CONTENT-LENGTH", "X-Forwarded-Port"]
)
def test_it_shows_a_forbidden_header_error_next_to_the_headers_field(world, name):
    page = post_setup(world, headers=json.dumps({name: "application/xml"})).content.decode()
    assert f"{name} cannot be set" in field_html(page, "headers")
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    "name", ["Authorization", "X-Api-Key", "Accept", "X-Content-Type-Options-Custom", "x_team"]
)
def test_it_accepts_ordinary_headers(name):
    assert parse_headers(json.dumps({name: "value 1"})) == {name: "value 1"}


@pytest.mark.parametrize("name", ["X Team", "X:Team", "", 'Bad"Name', "Ünicode", "X-Team\n"])
def test_it_rejects_invalid_header_names(name):
    with pytest.raises(ValidationError, match="not a valid header name"):
        parse_headers(json.dumps({name: "x"}))


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "line\nbreak", "carriage\rreturn"])
def test_it_rejects_header_values_with_line_breaks(value):
    with pytest.raises(ValidationError, match="contains a line break"):
        parse_headers(json.dumps({"X-Team": value}))


@pytest.mark.parametrize("value", [" leading", "trailing ", "caf\u00e9", "nul\u0000"])
def test_it_rejects_header_values_that_cannot_be_sent_unchanged(value):
    with pytest.raises(ValidationError, match="printable ASCII"):
        parse_headers(json.dumps({"X-Team": value}))


@pytest.mark.parametrize("value", [5, None, True, ["a"], {"a": "b"}])
def test_it_rejects_header_values_that_are_not_text(value):
    with pytest.raises(ValidationError, match="must be text in quotes"):
        parse_headers(json.dumps({"X-Team": value}))


@pytest.mark.parametrize("text", ['["X-Team", "a"]', '"X-Team: a"', "5", "null"])
def test_it_rejects_headers_that_are_not_a_json_object(text):
    with pytest.raises(ValidationError, match="JSON object"):
        parse_headers(text)


def test_it_rejects_headers_that_are_not_json():
    with pytest.raises(ValidationError, match="must be a JSON object"):
        parse_headers("Authorization: Bearer abc")


def test_it_rejects_the_same_header_twice_in_any_case():
    with pytest.raises(ValidationError, match="count as the same header"):
        parse_headers('{"X-Team": "a", "x-team": "b"}')


def test_it_lists_every_header_problem_at_once():
    with pytest.raises(ValidationError) as caught:
        parse_headers('{"Host": "a", "X-Team": 5}')
    assert len(caught.value.messages) == 2


def test_it_treats_empty_headers_and_body_as_none(world):
    assert post_setup(world, headers="  ", body="").status_code == 302
    connection = Connection.objects.get()
    assert (connection.headers, connection.body) == ("", "")


def test_it_requires_a_name(world):
    page = post_setup(world, name="  ").content.decode()
    assert "Give the connection a name." in field_html(page, "name")
    assert not Connection.objects.exists()


def test_it_accepts_a_name_of_100_characters_and_rejects_101(world):
    page = post_setup(world, name="n" * 101).content.decode()
    assert "at most 100 characters" in field_html(page, "name")
    assert post_setup(world, name="n" * 100).status_code == 302


def test_it_rejects_a_name_already_used_in_the_workspace_in_any_case(world):
    set_up(world, name="Forecast pipeline")
    page = post_setup(world, name="FORECAST Pipeline").content.decode()
    assert "already exists in your workspace" in field_html(page, "name")
    assert Connection.objects.count() == 1


def test_it_allows_the_same_name_in_another_workspace(world):
    set_up(world, name="Forecast pipeline")
    response = world.client_for("oscar").post(
        reverse("integrations:connection_create"),
        form_data(name="Forecast pipeline", applications=[world.globex_app.pk]),
    )
    assert response.status_code == 302
    assert Connection.objects.filter(workspace=world.globex).count() == 1


def test_it_requires_a_url(world):
    page = post_setup(world, url="").content.decode()
    assert "Enter the URL Switchboard should POST to." in field_html(page, "url")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/run", "plain http:// is not allowed"),
        ("ftp://hooks.example.com/run", "starting with https://"),
        ("https://user:pw@hooks.example.com/run", "Remove the user name and password"),
        ("https://intranet.example.com/run", NAME_NOT_CALLABLE),
        ("https://mixed.example.com/run", NAME_NOT_CALLABLE),
        ("https://127.0.0.1/run", "private or local address"),
        ("https://0x7f.1/run", "means 127.0.0.1"),
        ("https://[::ffff:169.254.169.254]/latest", "private or local address"),
        ("https://nowhere.example.net/run", NAME_NOT_CALLABLE),
    ],
)
def test_it_shows_url_problems_next_to_the_url_field(world, url, message):
    page = post_setup(world, url=url).content.decode()
    assert message in field_html(page, "url")
    assert not Connection.objects.exists()


def url_errors(page: str) -> str:
    """The URL field's error list, without the input (which repeats the URL typed)."""
    block = field_html(page, "url")
    start = block.index('id="url-errors"')
    return block[start : block.index("</div>", start)]


def test_it_says_the_same_for_a_private_name_and_a_name_that_does_not_resolve(world):
    # Different words would let an admin probe which internal names exist.
    private = post_setup(world, url="https://intranet.example.com/run").content.decode()
    missing = post_setup(world, url="https://nowhere.example.net/run").content.decode()
    assert NAME_NOT_CALLABLE in url_errors(private)
    assert url_errors(private) == url_errors(missing)


def test_it_allows_http_only_when_the_operator_does(world, settings):
    settings.OUTBOUND_ALLOW_HTTP = True
    assert post_setup(world, url="http://hooks.example.com/run").status_code == 302
    assert Connection.objects.get().host == "hooks.example.com"


def test_it_exempts_hosts_the_operator_allowlisted(world, settings):
    settings.OUTBOUND_ALLOWLIST = ["intranet.example.com"]
    assert post_setup(world, url="https://intranet.example.com/run").status_code == 302


def test_it_rejects_an_application_of_another_workspace(world):
    data = form_data(applications=[str(world.globex_app.pk)])
    page = world.client_for("alice").post(reverse("integrations:connection_create"), data)
    assert "Select a valid choice" in field_html(page.content.decode(), "applications")
    assert not Connection.objects.exists()


@pytest.mark.parametrize("application_id", ["9" * 30, "-" + "9" * 30, "9" * 5000, "1.5"])
def test_it_rejects_an_application_id_that_names_no_row(world, application_id):
    data = form_data(applications=[str(world.sales.pk), application_id])
    page = world.client_for("alice").post(reverse("integrations:connection_create"), data)
    assert page.status_code == 200
    errors = field_html(page.content.decode(), "applications")
    assert "Select a valid choice" in errors or "is not a valid value" in errors
    assert not Connection.objects.exists()


def test_it_refuses_another_workspaces_application_in_the_service_too(world):
    with pytest.raises(ValidationError) as caught:
        set_up(world, apps=[world.globex_app])
    assert "applications" in caught.value.message_dict
    assert not Connection.objects.exists()


def test_it_reports_every_field_at_once(world):
    page = post_setup(
        world, name="", url="https://127.0.0.1/", headers='{"Host": "x"}', body="{"
    ).content.decode()
    assert "Give the connection a name." in field_html(page, "name")
    assert "private or local address" in field_html(page, "url")
    assert "Host cannot be set" in field_html(page, "headers")
    assert "not valid JSON" in field_html(page, "body")


def test_it_requires_at_least_one_application(world):
    response = world.client_for("alice").post(
        reverse("integrations:connection_create"), form_data(applications=None)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose at least one application whose boards may use this connection." in page
    assert not Connection.objects.exists()
