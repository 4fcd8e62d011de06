"""Helpers shared by the connection tests: recognisable secrets, the Setup form as a browser
sends it, and the connection that form makes (through tests/support/connections.py). Their names
resolve through the `fake_dns` fixture (tests/support/resolver.py)."""

from __future__ import annotations

import json

from django.db import connection as db

from integrations.models import Connection
from tests.secret_log_guard import SECRET_MARKER
from tests.support.connections import connection_make
from workspace.models import Application

URL = "https://hooks.example.com/pipeline/run"
# Values that must never be seen again after Setup: distinctive, so a search cannot miss them,
# and marked, so the suite-wide log guard (tests/secret_log_guard.py) spots them in any log line.
HEADER_VALUE = f"Bearer {SECRET_MARKER}hv-7Q2xZk9wLmP4"
TEAM_VALUE = f"{SECRET_MARKER}team-J8rT3"
BODY_TOKEN = f"{SECRET_MARKER}bt-Vq83LsN1Xe"
HEADERS = json.dumps({"Authorization": HEADER_VALUE, "X-Team": TEAM_VALUE})
BODY = json.dumps({"pipeline": "forecast", "token": BODY_TOKEN})
SECRETS = (HEADER_VALUE, TEAM_VALUE, BODY_TOKEN)


def set_up(world, *, name="Forecast pipeline", url=URL, headers=HEADERS, body=BODY, apps=None):
    """What Setup makes of form_data(): Alice's connection for Sales Planning."""
    return connection_make(
        world.acme,
        actor=world.alice,
        name=name,
        applications=[world.sales] if apps is None else apps,
        url=url,
        headers=headers,
        body=body,
    )


def form_data(**overrides) -> dict:
    # As a browser sends the form: the Keep response bodies box starts ticked, and Acme's first
    # application has access (a connection needs at least one).
    first_application = Application.objects.filter(workspace__name="Acme").order_by("pk").first()
    data = {
        "applications": [first_application.pk] if first_application else None,
        "name": "Forecast pipeline",
        "url": URL,
        "headers": HEADERS,
        "body": BODY,
        "keep_response_bodies": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def raw_row(connection: Connection) -> tuple:
    """The stored columns exactly as the database holds them."""
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT url, headers, body, host FROM integrations_connection WHERE id = %s",
            [connection.pk],
        )
        return cursor.fetchone()


def field_html(page: str, field: str) -> str:
    """The HTML of one form field's block, from its wrapper to the next field's."""
    start = page.index(f'id="field-{field}"')
    following = [
        index
        for index in (page.find('id="field-', start + 1), page.find("</form>", start))
        if index != -1
    ]
    return page[start : min(following)]
