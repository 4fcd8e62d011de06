"""The audit trail: who changed which connection, when and how, without a secret value."""

import json

import pytest
from django.urls import reverse

from integrations.models import AuditEntry
from integrations.selectors.audit import describe_changes
from integrations.services.connections import (
    connection_delete,
    connection_set_enabled,
    connection_update,
)
from tests.integrations.connection_support import SECRETS, form_data, set_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]


def update(connection, actor, **changes):
    arguments = {
        "name": connection.name,
        "applications": list(connection.applications.all()),
        "url": connection.url,
    }
    arguments.update(changes)
    return connection_update(connection=connection, actor=actor, **arguments)


def audit_page(world, persona="alice"):
    return world.client_for(persona).get(reverse("integrations:audit_list")).content.decode()


def test_it_records_a_setup_with_who_and_what(world):
    world.client_for("alice").post(
        reverse("integrations:connection_create"),
        form_data(applications=[str(world.sales.pk)]),
    )
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_name, entry.action) == (world.alice, "alice", "created")
    assert entry.subject_name == "Forecast pipeline"
    assert entry.workspace == world.acme
    assert entry.changes == {
        "Name": [None, "Forecast pipeline"],
        "Application access": [None, ["Sales Planning"]],
        "Host": [None, "hooks.example.com"],
        "Headers": "set",
        "JSON body": "set",
        "Keep response bodies": [None, "yes"],
    }


def test_it_records_only_what_an_edit_changed(world):
    connection = set_up(world)
    update(connection, world.alice, name="Nightly forecast", applications=[world.workforce])
    entry = AuditEntry.objects.filter(action="updated").get()
    assert entry.changes == {
        "Name": ["Forecast pipeline", "Nightly forecast"],
        "Application access": [["Sales Planning"], ["Workforce"]],
    }


def test_it_records_a_url_change_by_host_only(world):
    connection = set_up(world, url="https://hooks.example.com/run?token=url-secret-1")
    # The same headers and body entered again (a new host needs them re-entered).
    update(
        connection,
        world.alice,
        url="https://other.example.org/run?token=url-secret-2",
        headers=connection.headers,
        body=connection.body,
    )
    entry = AuditEntry.objects.filter(action="updated").get()
    assert entry.changes == {
        "POST endpoint URL": "changed",
        "Host": ["hooks.example.com", "other.example.org"],
    }
    assert "url-secret" not in json.dumps(entry.changes)


def test_it_records_replaced_secrets_as_replaced_never_their_values(world):
    connection = set_up(world)
    update(connection, world.alice, headers='{"X-Api-Key": "sb-secret-new-9"}', body="")
    entry = AuditEntry.objects.filter(action="updated").get()
    assert entry.changes == {"Headers": "replaced", "JSON body": "removed"}
    text = json.dumps([entry.changes, entry.subject_name])
    assert "sb-secret-new-9" not in text
    assert not any(secret in text for secret in SECRETS)


def test_it_records_nothing_when_nothing_changed(world):
    connection = set_up(world)
    update(connection, world.alice, headers=connection.headers)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["created"]


def test_it_records_enable_disable_and_delete(world):
    connection = set_up(world)
    connection_set_enabled(connection=connection, actor=world.alice, enabled=False)
    connection_set_enabled(connection=connection, actor=world.alice, enabled=False)
    connection_set_enabled(connection=connection, actor=world.alice, enabled=True)
    connection_delete(connection=connection, actor=world.alice)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["created", "disabled", "enabled", "deleted"]
    deleted = AuditEntry.objects.get(action="deleted")
    assert deleted.subject_name == "Forecast pipeline"
    assert deleted.changes == {"Action widgets using it": 0}
    # The trail outlives the connection.
    assert AuditEntry.objects.filter(subject_name="Forecast pipeline").count() == 4


def test_it_shows_the_trail_to_the_workspace_admin(world):
    connection = set_up(world)
    update(connection, world.alice, name="Nightly forecast")
    connection_set_enabled(connection=connection, actor=world.alice, enabled=False)
    page = audit_page(world)
    assert "Set up <strong>Forecast pipeline</strong>" in page
    assert "Name: Forecast pipeline → Nightly forecast" in page
    assert "Disabled <strong>Nightly forecast</strong>" in page
    assert page.count('<td data-label="Who">alice</td>') == 3
    assert not any(secret in page for secret in SECRETS)


def test_it_keeps_each_workspace_to_its_own_trail(world):
    set_up(world)
    page = audit_page(world, "oscar")
    assert "Forecast pipeline" not in page
    assert "No changes recorded yet." in page


def test_it_pages_a_long_trail(world):
    connection = set_up(world)
    for number in range(60):
        connection_set_enabled(connection=connection, actor=world.alice, enabled=number % 2 == 1)
    page = audit_page(world)
    assert "Page 1 of 2" in page and "?page=2" in page


@pytest.mark.parametrize(
    ("changes", "lines"),
    [
        ({"Name": [None, "A"]}, ["Name: A"]),
        ({"Name": ["A", "B"]}, ["Name: A → B"]),
        ({"Application access": [["X"], []]}, ["Application access: X → (none)"]),
        ({"Expires": ["2030-01-01", None]}, ["Expires: 2030-01-01 → (removed)"]),
        ({"Headers": "replaced", "Widgets": 2}, ["Headers: replaced", "Widgets: 2"]),
    ],
)
def test_it_describes_changes_for_people(changes, lines):
    assert describe_changes(changes) == lines
