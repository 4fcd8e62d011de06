import datetime
import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from datasets.api_key_services import api_key_create
from datasets.models import ApiKey
from integrations.models import AuditEntry
from tests.support.personas import PERSONAS

pytestmark = pytest.mark.django_db


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def acme_key(world) -> ApiKey:
    return api_key_create(
        workspace=world.acme,
        name="Nightly pipeline",
        key_type=ApiKey.KeyType.IMPORT,
        expires_on=in_days(30),
        created_by=world.alice,
    ).api_key


def form_token(client) -> str:
    """The one-time token of a freshly opened Create form."""
    page = client.get(reverse("datasets:api_key_create")).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def create(client, follow=True, **data):
    """Open the Create form and send it, as a browser would: following the redirect, the
    response is the page that shows the new key."""
    form = {"name": "Forecast job", "expires_on": in_days(60).isoformat(), "key_type": "import"}
    if client.get(reverse("datasets:api_key_create")).status_code == 200:
        form["form_token"] = form_token(client)
    form.update(data)
    return client.post(reverse("datasets:api_key_create"), form, follow=follow)


def shown_secret(html: str) -> str | None:
    found = re.search(r'value="(sb_[0-9a-f]{8}_[A-Za-z0-9_-]{43})"', html)
    return found.group(1) if found else None


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_the_key_list_only_to_workspace_admins(world, acme_key, persona):
    response = world.client_for(persona).get(reverse("datasets:api_keys"))
    if persona == "alice":
        assert response.status_code == 200
        assert "Nightly pipeline" in response.content.decode()
    elif persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif persona == "oscar":
        # Globex's admin has a key list of his own, without Acme's keys.
        assert response.status_code == 200
        assert "Nightly pipeline" not in response.content.decode()
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", ["erin", "victor"])
def test_it_hides_the_create_screen_from_members(world, persona):
    client = world.client_for(persona)
    assert client.get(reverse("datasets:api_key_create")).status_code == 404
    assert create(client).status_code == 404
    assert not ApiKey.objects.exists()


def test_it_creates_an_outsiders_key_in_his_own_workspace(world):
    create(world.client_for("oscar"))
    assert ApiKey.objects.get().workspace == world.globex


@pytest.mark.parametrize("persona", ["erin", "victor", "oscar"])
def test_it_hides_acme_keys_from_everyone_but_acme_admins(world, acme_key, persona):
    client = world.client_for(persona)
    for name in ["datasets:api_key_edit", "datasets:api_key_delete"]:
        url = reverse(name, args=[acme_key.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "x", "expires_on": in_days(9)}).status_code == 404
    assert ApiKey.objects.get(pk=acme_key.pk).name == "Nightly pipeline"


def test_it_lists_name_type_expiry_last_use_and_creation(world, acme_key):
    ApiKey.objects.filter(pk=acme_key.pk).update(last_used_at=timezone.now())
    page = world.client_for("alice").get(reverse("datasets:api_keys")).content.decode()
    assert "Import" in page
    assert acme_key.expires_on.isoformat() in page
    assert f"valid through {in_days(29).isoformat()}" in page
    assert f"sb_{acme_key.prefix}_" in page
    assert "Never" not in page
    assert "by alice" in page


def test_it_shows_the_secret_once_and_stores_only_its_hash(world):
    client = world.client_for("alice")
    response = create(client, key_type="export")
    [(shown_at, status)] = response.redirect_chain
    assert shown_at.startswith(reverse("datasets:api_key_created") + "?form=")
    assert status == 302
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    secret = shown_secret(response.content.decode())
    key = ApiKey.objects.get(name="Forecast job")
    assert key.key_type == "export"
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.prefix == secret.split("_")[1]
    assert key.created_by == world.alice
    stored = " ".join(str(value) for value in ApiKey.objects.values_list().get(pk=key.pk))
    assert secret not in stored and secret.split("_", 2)[2] not in stored
    for url in [
        shown_at,
        reverse("datasets:api_keys"),
        reverse("datasets:api_key_edit", args=[key.pk]),
    ]:
        assert secret not in client.get(url).content.decode()


def test_it_records_creation_in_the_audit_trail_without_the_secret(world):
    page = create(world.client_for("alice")).content.decode()
    secret = re.search(r'value="(sb_[^"]+)"', page).group(1)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.KEY_CREATED)
    assert (entry.actor, entry.subject_name, entry.workspace) == (
        world.alice,
        "Forecast job",
        world.acme,
    )
    assert entry.changes["Key type"] == [None, "Import"]
    assert secret not in str(entry.changes)


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"name": ""}, "This field is required."),
        ({"expires_on": ""}, "This field is required."),
        ({"expires_on": "tomorrow"}, "Enter a valid date."),
        ({"key_type": "admin"}, "Select a valid choice."),
    ],
)
def test_it_puts_form_errors_next_to_their_field(world, data, field_error):
    response = create(world.client_for("alice"), follow=False, **data)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("days", [0, -1])
def test_it_refuses_an_expiration_date_that_is_not_after_today(world, days):
    response = create(world.client_for("alice"), expires_on=in_days(days).isoformat())
    assert "Choose a date after today" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_it_renames_a_key_and_changes_its_expiry(world, acme_key):
    client = world.client_for("alice")
    url = reverse("datasets:api_key_edit", args=[acme_key.pk])
    assert "Nightly pipeline" in client.get(url).content.decode()
    response = client.post(url, {"name": "Hourly pipeline", "expires_on": in_days(5).isoformat()})
    assert response.status_code == 302
    acme_key.refresh_from_db()
    assert (acme_key.name, acme_key.expires_on) == ("Hourly pipeline", in_days(5))
    entry = AuditEntry.objects.get(action=AuditEntry.Action.KEY_UPDATED)
    assert entry.changes == {
        "Name": ["Nightly pipeline", "Hourly pipeline"],
        "Expiration date": [in_days(30).isoformat(), in_days(5).isoformat()],
    }
    assert "saved" in client.get(reverse("datasets:api_keys")).content.decode()


def test_it_refuses_an_edit_to_a_past_expiry_and_changes_nothing(world, acme_key):
    url = reverse("datasets:api_key_edit", args=[acme_key.pk])
    response = world.client_for("alice").post(
        url, {"name": "Renamed", "expires_on": in_days(-3).isoformat()}
    )
    assert "Choose a date after today" in response.content.decode()
    acme_key.refresh_from_db()
    assert (acme_key.name, acme_key.expires_on) == ("Nightly pipeline", in_days(30))
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.KEY_UPDATED).exists()


def test_it_deletes_a_key_after_confirmation(world, acme_key):
    client = world.client_for("alice")
    url = reverse("datasets:api_key_delete", args=[acme_key.pk])
    confirm = client.get(url).content.decode()
    assert "Delete API key “Nightly pipeline”?" in confirm
    assert ApiKey.objects.filter(pk=acme_key.pk).exists()
    assert client.post(url).status_code == 302
    assert not ApiKey.objects.filter(pk=acme_key.pk).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.KEY_DELETED)
    assert (entry.subject_name, entry.actor) == ("Nightly pipeline", world.alice)


def test_it_answers_404_for_a_key_of_another_workspace(world):
    globex_key = api_key_create(
        workspace=world.globex,
        name="Globex key",
        key_type=ApiKey.KeyType.IMPORT,
        expires_on=in_days(10),
        created_by=world.oscar,
    ).api_key
    client = world.client_for("alice")
    assert client.get(reverse("datasets:api_key_edit", args=[globex_key.pk])).status_code == 404
    assert client.post(reverse("datasets:api_key_delete", args=[globex_key.pk])).status_code == 404
    assert "Globex key" not in client.get(reverse("datasets:api_keys")).content.decode()
    assert ApiKey.objects.filter(pk=globex_key.pk).exists()


def test_it_sends_anonymous_visitors_to_sign_in_from_every_key_screen(world, acme_key):
    client = world.client_for("anonymous")
    for url in [
        reverse("datasets:api_key_create"),
        reverse("datasets:api_key_edit", args=[acme_key.pk]),
        reverse("datasets:api_key_delete", args=[acme_key.pk]),
    ]:
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert ApiKey.objects.filter(pk=acme_key.pk).exists()
