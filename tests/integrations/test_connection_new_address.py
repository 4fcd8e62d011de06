"""Another scheme, host or port is another server: stored headers and body never follow a
connection there, whichever of the three changes. Default ports are the same address."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.services.connections import NEW_ADDRESS_NEEDS_SECRETS, connection_update
from tests.integrations.connection_support import (
    BODY,
    HEADERS,
    URL,
    field_html,
    form_data,
    raw_row,
    set_up,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]

# URL is https://hooks.example.com/pipeline/run; each of these reaches another server.
MOVES = {
    "port": "https://hooks.example.com:8443/pipeline/run",
    "scheme": "http://hooks.example.com/pipeline/run",
    "host": "https://other.example.org/pipeline/run",
    "scheme and its default port": "http://hooks.example.com:443/pipeline/run",
}


@pytest.fixture(autouse=True)
def _plain_http_allowed(settings):
    # Without it a scheme change is refused as plain http, before secrets are even considered.
    settings.OUTBOUND_ALLOW_HTTP = True


@pytest.fixture
def connection(world):
    return set_up(world)


def edit(world, connection, **data) -> str:
    return (
        world.client_for("alice")
        .post(reverse("integrations:connection_edit", args=[connection.pk]), form_data(**data))
        .content.decode()
    )


def update(world, connection, **changes):
    arguments = {"name": connection.name, "applications": [world.sales], "url": connection.url}
    return connection_update(connection=connection, actor=world.alice, **{**arguments, **changes})


@pytest.mark.parametrize("new_url", MOVES.values(), ids=MOVES.keys())
def test_it_refuses_another_address_that_would_keep_the_stored_secrets(world, connection, new_url):
    before = raw_row(connection)
    page = edit(world, connection, url=new_url)
    assert "another address (scheme, host or port)" in field_html(page, "url")
    assert raw_row(connection) == before


@pytest.mark.parametrize("new_url", MOVES.values(), ids=MOVES.keys())
def test_the_service_refuses_another_address_too(world, connection, new_url):
    with pytest.raises(ValidationError) as refused:
        update(world, connection, url=new_url)
    assert refused.value.message_dict == {"url": [NEW_ADDRESS_NEEDS_SECRETS]}


@pytest.mark.parametrize("new_url", MOVES.values(), ids=MOVES.keys())
def test_it_moves_to_another_address_once_both_are_entered_again(world, connection, new_url):
    new_headers = '{"X-Api-Key": "sb-secret-for-the-new-address"}'
    edit(
        world,
        connection,
        url=new_url,
        headers=new_headers,
        body="",
        replace_headers="on",
        replace_body="on",
    )
    connection.refresh_from_db()
    assert (connection.url, connection.headers, connection.body) == (new_url, new_headers, "")


@pytest.mark.parametrize(
    "same_address",
    [
        "https://hooks.example.com:443/pipeline/run",
        "https://hooks.example.com/pipeline/v2?run=1",
        "https://HOOKS.example.com.:443/other",
    ],
)
def test_it_keeps_the_secrets_on_the_same_address(world, connection, same_address):
    edit(world, connection, url=same_address)
    connection.refresh_from_db()
    assert connection.url == same_address
    assert (connection.headers, connection.body) == (HEADERS, BODY)


def test_it_counts_leaving_an_explicit_default_port_as_the_same_address(world):
    connection = set_up(world, url="https://hooks.example.com:443/pipeline/run")
    edit(world, connection, url=URL)
    connection.refresh_from_db()
    assert (connection.url, connection.headers, connection.body) == (URL, HEADERS, BODY)


def test_it_refuses_moving_back_from_another_port_too(world):
    connection = set_up(world, url="https://hooks.example.com:8443/pipeline/run")
    with pytest.raises(ValidationError) as refused:
        update(world, connection, url=URL)
    assert refused.value.message_dict == {"url": [NEW_ADDRESS_NEEDS_SECRETS]}


def test_it_moves_a_connection_without_secrets_freely(world):
    connection = set_up(world, headers="", body="")
    update(world, connection, url=MOVES["port"])
    connection.refresh_from_db()
    assert connection.url == MOVES["port"]
