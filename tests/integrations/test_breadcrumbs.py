"""Every page of this area says where it is in the words of the product docs:
Application Settings → Integrations → API request → …, and Workspace Settings → API Keys."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from datasets.api_key_services import api_key_create
from datasets.models import ApiKey
from integrations.models import Delivery
from tests.integrations.connection_support import set_up
from tests.integrations.delivery_support import ledger_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]

START = "Application Settings → Integrations → "
API_REQUEST = START + "API request → "
MANAGE = API_REQUEST + "Manage → "


def breadcrumbs(page: str) -> tuple[str, dict[str, str]]:
    """The trail as read aloud, and the href of each linked step by its text."""
    found = re.search(r'<p class="breadcrumbs">(.*?)</p>', page, re.S)
    assert found, "the page has no breadcrumbs"
    html = found.group(1)
    links = {
        unescape(text): href for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', html)
    }
    text = unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))
    return text, links


@pytest.fixture
def connection(world):
    connection = set_up(world)
    ledger_rows(connection, [timezone.now() - timedelta(minutes=1)])
    return connection


def connection_pages(connection) -> list[tuple[str, str, dict[str, str]]]:
    """(url, the trail, its links) for every page about API request connections."""
    delivery = Delivery.objects.get(connection=connection)
    edit = reverse("integrations:connection_edit", args=[connection.pk])
    log = reverse("integrations:delivery_log", args=[connection.pk])
    integrations = {"Integrations": reverse("integrations:index")}
    manage = {**integrations, "Manage": reverse("integrations:connection_list")}
    named = {**manage, "Forecast pipeline": edit}
    return [
        (reverse("integrations:connection_list"), API_REQUEST + "Manage", integrations),
        (
            reverse("integrations:connection_create"),
            API_REQUEST + "Set up a connection",
            integrations,
        ),
        (edit, API_REQUEST + "Manage", manage),
        (
            reverse("integrations:connection_delete", args=[connection.pk]),
            MANAGE + "Forecast pipeline → Delete",
            named,
        ),
        (log, MANAGE + "Forecast pipeline → Delivery log", named),
        (
            reverse("integrations:delivery_status", args=[delivery.pk]),
            MANAGE + "Forecast pipeline → Delivery log → Call",
            {**named, "Delivery log": log},
        ),
    ]


def test_it_starts_every_connection_page_at_application_settings(world, connection):
    client = world.client_for("alice")
    for url, expected, _ in connection_pages(connection):
        text, _ = breadcrumbs(client.get(url).content.decode())
        assert text == expected, url


def test_it_links_each_step_back_to_its_page(world, connection):
    client = world.client_for("alice")
    for url, _, expected in connection_pages(connection):
        _, links = breadcrumbs(client.get(url).content.decode())
        assert links == expected, url


def test_it_places_the_call_of_a_deleted_connection_too(world, connection):
    delivery = Delivery.objects.get(connection=connection)
    connection.delete()
    url = reverse("integrations:delivery_status", args=[delivery.pk])
    text, links = breadcrumbs(world.client_for("alice").get(url).content.decode())
    assert text == MANAGE + "Forecast pipeline → Call"
    assert links == {
        "Integrations": reverse("integrations:index"),
        "Manage": reverse("integrations:connection_list"),
    }


def test_it_places_the_integrations_page_and_the_audit_trail(world):
    client = world.client_for("alice")
    text, links = breadcrumbs(client.get(reverse("integrations:index")).content.decode())
    assert text == "Application Settings → Integrations"
    assert links == {"Integrations": reverse("integrations:index")}
    text, links = breadcrumbs(client.get(reverse("integrations:audit_list")).content.decode())
    assert text == START + "Audit trail"
    assert links == {"Integrations": reverse("integrations:index")}


def test_it_places_the_api_key_pages_under_workspace_settings(world):
    api_key = api_key_create(
        workspace=world.acme,
        name="Pipeline",
        key_type=ApiKey.KeyType.IMPORT,
        expires_on=timezone.localdate() + timedelta(days=30),
        created_by=world.alice,
    ).api_key
    client = world.client_for("alice")
    keys = reverse("datasets:api_keys")
    created = client.post(
        reverse("datasets:api_key_create"),
        {"name": "Forecast job", "key_type": "import", "expires_on": api_key.expires_on},
    )
    pages = [
        (client.get(keys), {}),
        (client.get(reverse("datasets:api_key_create")), {"API Keys": keys}),
        (created, {"API Keys": keys}),
        (client.get(reverse("datasets:api_key_edit", args=[api_key.pk])), {"API Keys": keys}),
        (
            client.get(reverse("datasets:api_key_delete", args=[api_key.pk])),
            {"API Keys": keys},
        ),
    ]
    for response, expected_links in pages:
        assert response.status_code == 200
        text, links = breadcrumbs(response.content.decode())
        assert text == "Workspace Settings → API Keys", response.request["PATH_INFO"]
        assert links == expected_links, response.request["PATH_INFO"]
