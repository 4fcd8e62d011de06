"""Who reaches the connection and audit pages: Workspace Admins only. Everyone else gets a 404
(nothing confirms a connection exists), anonymous visitors the sign-in page, and no write
happens for any of them."""

import pytest
from django.urls import reverse

from integrations.models import AuditEntry, Connection
from tests.integrations.connection_support import HEADERS, URL, form_data, set_up
from tests.support.personas import PERSONAS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]


@pytest.fixture
def connection(world):
    return set_up(world)


def requests_for(connection):
    """(method, url, data, status for alice): every URL of this area, reads and writes."""
    edit = reverse("integrations:connection_edit", args=[connection.pk])
    return [
        ("get", reverse("integrations:index"), None, 200),
        ("get", reverse("integrations:connection_list"), None, 200),
        ("get", reverse("integrations:connection_create"), None, 200),
        ("post", reverse("integrations:connection_create"), form_data(name="New one"), 302),
        ("post", reverse("integrations:connection_validate_url"), {"url": URL}, 200),
        ("get", edit, None, 200),
        ("get", edit + "?replace=headers", None, 200),
        ("post", edit, form_data(name="Renamed"), 302),
        (
            "post",
            reverse("integrations:connection_set_enabled", args=[connection.pk]),
            {"enabled": "0"},
            302,
        ),
        ("get", reverse("integrations:connection_delete", args=[connection.pk]), None, 200),
        ("post", reverse("integrations:connection_delete", args=[connection.pk]), {}, 302),
        ("get", reverse("integrations:audit_list"), None, 200),
    ]


def send(client, method, url, data):
    return getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)


def snapshot():
    return (
        list(Connection.objects.values_list("pk", "name", "enabled", "host")),
        [(c.pk, c.url, c.headers, c.body) for c in Connection.objects.all()],
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_the_matrix_says(world, connection, persona):
    client = world.client_for(persona)
    for method, url, data, admin_status in requests_for(connection):
        before = snapshot()
        response = send(client, method, url, data)
        where = f"{persona} {method.upper()} {url}"
        if persona == "alice":
            assert response.status_code == admin_status, where
        elif persona == "anonymous":
            assert response.status_code == 302, where
            assert response["Location"].startswith(reverse("login") + "?next="), where
            assert snapshot() == before, where
        elif persona == "oscar" and str(connection.pk) not in url:
            # Globex's admin has Integrations of his own; Acme's connection is not in them.
            assert response.status_code in {200, 302}, where
            assert "Forecast pipeline" not in response.content.decode(), where
        else:
            assert response.status_code == 404, where
            assert snapshot() == before, where


def test_it_answers_404_and_changes_nothing_for_another_workspaces_connection(world, connection):
    client = world.client_for("oscar")
    before = snapshot()
    edit = reverse("integrations:connection_edit", args=[connection.pk])
    assert client.get(edit).status_code == 404
    assert client.get(edit, HTTP_HX_REQUEST="true").status_code == 404
    assert (
        client.post(
            edit, form_data(name="Hijacked", headers="{}", replace_headers="on")
        ).status_code
        == 404
    )
    toggle = reverse("integrations:connection_set_enabled", args=[connection.pk])
    assert client.post(toggle, {"enabled": "0"}).status_code == 404
    delete = reverse("integrations:connection_delete", args=[connection.pk])
    assert client.get(delete).status_code == 404
    assert client.post(delete).status_code == 404
    assert snapshot() == before
    connection.refresh_from_db()
    assert (connection.name, connection.enabled, connection.headers) == (
        "Forecast pipeline",
        True,
        HEADERS,
    )


def test_it_answers_404_for_a_connection_that_does_not_exist(world):
    url = reverse("integrations:connection_edit", args=[999999])
    assert world.client_for("alice").get(url).status_code == 404


def test_it_sets_up_the_outsiders_connection_in_their_own_workspace(world):
    client = world.client_for("oscar")
    client.post(
        reverse("integrations:connection_create"),
        form_data(name="Globex hook", applications=[world.globex_app.pk]),
    )
    assert Connection.objects.get(name="Globex hook").workspace == world.globex


def test_it_shows_the_integrations_link_to_admins_only(world):
    link = reverse("integrations:index")
    assert f'href="{link}"' in world.client_for("alice").get("/").content.decode()
    for persona in ["erin", "victor"]:
        assert f'href="{link}"' not in world.client_for(persona).get("/").content.decode()
