"""Connection settings that keep the admin informed: a warning before disabling buttons people
use, and a calls-left count that follows a Test."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boards.models import Widget
from integrations.models import Connection
from tests.support.connections import connection_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def used_connection(world) -> Connection:
    connection = connection_make(world.acme, applications=[world.sales])
    for label in ("Refresh forecast", "Rebuild plan"):
        Widget.objects.create(
            board=world.sales_board, kind=Widget.Kind.ACTION, title=label, connection=connection
        )
    return connection


def disable(client, connection, **extra):
    url = reverse("integrations:connection_set_enabled", args=[connection.pk])
    return client.post(url, {"enabled": "0", **extra})


def test_disabling_a_connection_buttons_use_asks_first_and_changes_nothing(world, used_connection):
    response = disable(world.client_for("alice"), used_connection)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 Action widgets use this connection." in page
    assert "show as unavailable on every open board" in page
    assert 'name="confirmed" value="1"' in page
    used_connection.refresh_from_db()
    assert used_connection.enabled


def test_confirming_disables_it(world, used_connection):
    response = disable(world.client_for("alice"), used_connection, confirmed="1")
    assert response.status_code == 302
    used_connection.refresh_from_db()
    assert not used_connection.enabled


def test_a_connection_no_button_uses_is_disabled_at_once(world):
    connection = connection_make(world.acme, applications=[world.sales])
    assert disable(world.client_for("alice"), connection).status_code == 302
    connection.refresh_from_db()
    assert not connection.enabled


def test_enabling_never_asks(world, used_connection):
    Connection.objects.filter(pk=used_connection.pk).update(enabled=False)
    url = reverse("integrations:connection_set_enabled", args=[used_connection.pk])
    assert world.client_for("alice").post(url, {"enabled": "1"}).status_code == 302
    used_connection.refresh_from_db()
    assert used_connection.enabled


def test_the_confirmation_is_only_for_the_workspaces_admins(world, used_connection):
    for persona in ("erin", "victor", "oscar"):
        assert disable(world.client_for(persona), used_connection).status_code == 404
