"""An edit refused for pointing at another address comes back with both Replace boxes open, so
the admin types the headers and body for the new host straight away."""

import re

import pytest
from django.urls import reverse

from tests.integrations.connection_support import URL, field_html, form_data, raw_row, set_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]

NEW_URL = "https://other.example.org/collect"
NEW_HEADERS = '{"X-Api-Key": "sb-secret-for-the-new-host"}'


@pytest.fixture
def connection(world):
    return set_up(world)


def edit(world, connection, *, htmx: bool, **data) -> str:
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = world.client_for("alice").post(
        reverse("integrations:connection_edit", args=[connection.pk]), form_data(**data), **extra
    )
    assert response.status_code == 200
    return response.content.decode()


def _is_open_box(block: str, field: str) -> bool:
    return f'<textarea name="{field}"' in block and f'name="replace_{field}" value="on"' in block


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_new_host_opens_both_replace_boxes(world, connection, htmx):
    before = raw_row(connection)
    both = [world.sales.pk, world.workforce.pk]
    page = edit(world, connection, htmx=htmx, url=NEW_URL, applications=both)
    assert "another address (scheme, host or port)" in field_html(page, "url")
    assert _is_open_box(field_html(page, "headers"), "headers")
    assert _is_open_box(field_html(page, "body"), "body")
    # The typed URL and the chosen applications are kept, and nothing was saved.
    assert f'value="{NEW_URL}"' in field_html(page, "url")
    ticked = re.findall(
        r'<input type="checkbox" name="applications" value="(\d+)"[^>]*checked', page
    )
    assert sorted(map(int, ticked)) == sorted(both)
    assert raw_row(connection) == before


def test_what_was_typed_in_an_open_box_stays_in_it(world, connection):
    page = edit(
        world, connection, htmx=True, url=NEW_URL, replace_headers="on", headers=NEW_HEADERS
    )
    headers = field_html(page, "headers")
    assert _is_open_box(headers, "headers")
    assert "sb-secret-for-the-new-host" in headers
    assert _is_open_box(field_html(page, "body"), "body")


def test_other_refusals_leave_the_boxes_closed(world, connection):
    page = edit(world, connection, htmx=True, url=URL, name="")
    assert '<textarea name="headers"' not in field_html(page, "headers")
    assert '<textarea name="body"' not in field_html(page, "body")
