"""Keep response bodies: a per-connection choice in the setup form and the edit pane."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from integrations.models import AuditEntry, Connection
from tests.integrations.connection_support import form_data, set_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]


def test_it_is_on_by_default_in_the_setup_form(world):
    page = world.client_for("alice").get(reverse("integrations:connection_create"))
    html = page.content.decode()
    assert "Keep response bodies" in html
    assert "checked" in checkbox(html)


def test_it_can_be_switched_off_at_setup(world):
    data = form_data(applications=[str(world.sales.pk)], keep_response_bodies=None)
    world.client_for("alice").post(reverse("integrations:connection_create"), data)
    assert Connection.objects.get().keep_response_bodies is False


def test_the_edit_pane_shows_and_saves_it(world):
    connection = set_up(world)
    url = reverse("integrations:connection_edit", args=[connection.pk])
    client = world.client_for("alice")
    assert "Keep response bodies" in client.get(url).content.decode()
    data = {
        "name": connection.name,
        "url": connection.url,
        "applications": [str(world.sales.pk)],
    }
    client.post(url, data)  # the box left unticked
    connection.refresh_from_db()
    assert connection.keep_response_bodies is False
    entry = AuditEntry.objects.filter(action="updated").get()
    assert entry.changes == {"Keep response bodies": ["yes", "no"]}
    assert "checked" not in checkbox(client.get(url).content.decode())


def checkbox(html: str) -> str:
    return re.search(r'<input[^>]*name="keep_response_bodies"[^>]*>', html).group(0)
