"""Stored headers and body never follow a connection to another host: moving it there means
entering them again."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.models import AuditEntry
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

NEW_URL = "https://other.example.org/collect"


@pytest.fixture
def connection(world):
    return set_up(world)


def edit(world, connection, **data):
    return (
        world.client_for("alice")
        .post(reverse("integrations:connection_edit", args=[connection.pk]), form_data(**data))
        .content.decode()
    )


def update(world, connection, **changes):
    arguments = {"name": connection.name, "applications": [world.sales], "url": connection.url}
    return connection_update(connection=connection, actor=world.alice, **{**arguments, **changes})


def test_it_refuses_a_new_host_that_would_keep_the_stored_secrets(world, connection):
    before = raw_row(connection)
    page = edit(world, connection, url=NEW_URL, name="Renamed")
    assert "another address (scheme, host or port)" in field_html(page, "url")
    assert raw_row(connection) == before
    connection.refresh_from_db()
    assert (connection.name, connection.url) == ("Forecast pipeline", URL)
    assert not AuditEntry.objects.filter(action="updated").exists()


@pytest.mark.parametrize("replaced", ["replace_headers", "replace_body"])
def test_it_refuses_a_new_host_when_only_one_secret_is_replaced(world, connection, replaced):
    page = edit(world, connection, url=NEW_URL, **{replaced: "on"})
    assert "another address (scheme, host or port)" in field_html(page, "url")
    connection.refresh_from_db()
    assert (connection.url, connection.headers, connection.body) == (URL, HEADERS, BODY)


def test_the_service_refuses_it_too(world, connection):
    with pytest.raises(ValidationError) as refused:
        update(world, connection, url=NEW_URL)
    assert refused.value.message_dict == {"url": [NEW_ADDRESS_NEEDS_SECRETS]}


def test_it_moves_to_a_new_host_once_both_are_entered_again(world, connection):
    new_headers = '{"X-Api-Key": "sb-secret-for-the-new-host"}'
    edit(
        world,
        connection,
        url=NEW_URL,
        headers=new_headers,
        body="",
        replace_headers="on",
        replace_body="on",
    )
    connection.refresh_from_db()
    assert (connection.url, connection.host) == (NEW_URL, "other.example.org")
    assert (connection.headers, connection.body) == (new_headers, "")


def test_it_moves_to_a_new_host_with_both_replaced_by_nothing(world, connection):
    update(world, connection, url=NEW_URL, headers="", body="")
    connection.refresh_from_db()
    assert (connection.host, connection.headers, connection.body) == ("other.example.org", "", "")


def test_it_needs_only_what_is_stored_entered_again(world):
    connection = set_up(world, headers="", body=BODY)
    update(world, connection, url=NEW_URL, body="")
    connection.refresh_from_db()
    assert connection.host == "other.example.org"


def test_it_changes_the_path_on_the_same_host_without_replacing(world, connection):
    edit(world, connection, url="https://hooks.example.com/pipeline/v2")
    connection.refresh_from_db()
    assert connection.url == "https://hooks.example.com/pipeline/v2"
    assert (connection.headers, connection.body) == (HEADERS, BODY)


def test_it_counts_a_respelling_of_the_host_as_the_same_host(world, connection):
    edit(world, connection, url="https://HOOKS.example.com./pipeline/run?v=2")
    connection.refresh_from_db()
    assert connection.host == "hooks.example.com"
    assert (connection.headers, connection.body) == (HEADERS, BODY)
