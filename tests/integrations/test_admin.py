"""The Django admin: superusers only, every integrations model registered, secrets masked."""

import datetime
import uuid

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from datasets.models import ApiKey
from integrations import encrypted_fields
from integrations.models import AuditEntry, Connection, Delivery, HostLock
from tests.integrations.connection_support import BODY, SECRETS, set_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]

MODELS = [Connection, Delivery, HostLock, AuditEntry, ApiKey]


@pytest.fixture
def rows(world):
    connection = set_up(world)
    delivery = Delivery.objects.create(
        workspace=world.acme,
        connection=connection,
        connection_name=connection.name,
        host=connection.host,
        idempotency_key=uuid.uuid4(),
        outcome=Delivery.Outcome.SUCCEEDED,
        http_status=200,
        # A receiver that echoes its request back.
        response_excerpt=f"you sent {SECRETS[0]}",
        created_at=timezone.now(),
    )
    api_key = ApiKey.objects.create(
        workspace=world.acme,
        name="Pipeline import",
        key_type=ApiKey.KeyType.IMPORT,
        prefix="ab12cd34",
        key_hash="f" * 64,
        expires_on=datetime.date(2030, 1, 1),
    )
    host_lock = HostLock.objects.create(workspace=world.acme, host=connection.host)
    return {
        Connection: connection,
        Delivery: delivery,
        HostLock: host_lock,
        AuditEntry: AuditEntry.objects.get(),
        ApiKey: api_key,
    }


def admin_url(model, view, *args):
    # ApiKey is the datasets app's now, and shown here beside the rest as before.
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def test_it_registers_every_integrations_model():
    for model in MODELS:
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_it_shows_lists_and_rows_without_a_secret(superuser_client, rows, model):
    for url in [admin_url(model, "changelist"), admin_url(model, "change", rows[model].pk)]:
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert not any(secret in page for secret in SECRETS), url
        assert BODY not in page


def test_it_masks_the_connection_url_headers_and_body(superuser_client, rows):
    page = superuser_client.get(
        admin_url(Connection, "change", rows[Connection].pk)
    ).content.decode()
    assert "https://hooks.example.com/…" in page
    assert "/pipeline/run" not in page
    assert "Authorization, X-Team (values hidden)" in page
    assert f"•••• ({len(BODY)} characters)" in page
    assert 'name="headers"' not in page and 'name="body"' not in page and 'name="url"' not in page


def test_it_says_none_for_missing_headers_and_body(superuser_client, world):
    connection = set_up(world, name="Bare", headers="", body="")
    page = superuser_client.get(admin_url(Connection, "change", connection.pk)).content.decode()
    assert page.count("(none)") >= 2


def test_it_shows_an_unreadable_row_instead_of_failing(superuser_client, rows, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    encrypted_fields._fernet_for.cache_clear()
    try:
        page = superuser_client.get(admin_url(Connection, "changelist")).content.decode()
    finally:
        encrypted_fields._fernet_for.cache_clear()
    assert "Forecast pipeline" in page
    assert "(cannot be decrypted with the configured keys)" in page


def test_it_offers_no_way_to_add_or_edit_a_connection(superuser_client, rows):
    assert superuser_client.get(admin_url(Connection, "add")).status_code == 403
    url = admin_url(Connection, "change", rows[Connection].pk)
    superuser_client.post(url, {"name": "Edited in admin"})
    rows[Connection].refresh_from_db()
    assert rows[Connection].name == "Forecast pipeline"


def test_it_audits_a_delete_made_in_the_admin(superuser_client, rows):
    url = admin_url(Connection, "delete", rows[Connection].pk)
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not Connection.objects.exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETED)
    assert (entry.actor_name, entry.subject_name) == ("root", "Forecast pipeline")


def test_it_keeps_workspace_admins_out_of_the_django_admin(world):
    response = world.client_for("alice").get(admin_url(Connection, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
