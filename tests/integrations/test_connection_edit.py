"""Manage → the edit pane: pre-filled fields, write-only headers and body with Replace,
enable/disable and delete."""

import json
import re

import pytest
from django.urls import reverse

from boards.models import Widget
from integrations.models import AuditEntry, Connection
from tests.integrations.connection_support import (
    BODY,
    HEADERS,
    SECRETS,
    URL,
    field_html,
    form_data,
    set_up,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]


@pytest.fixture
def connection(world):
    return set_up(world)


def edit_url(connection, query=""):
    return reverse("integrations:connection_edit", args=[connection.pk]) + query


def add_action_widgets(world, connection, count):
    for position in range(count):
        Widget.objects.create(
            board=world.sales_board,
            kind=Widget.Kind.ACTION,
            position=position,
            connection=connection,
            button_label=f"Run {position}",
        )


def test_it_lists_connections_with_host_status_and_widget_count(world, connection):
    add_action_widgets(world, connection, 2)
    set_up(world, name="Archive", url="https://other.example.org/x", apps=[world.workforce])
    page = world.client_for("alice").get(reverse("integrations:connection_list")).content.decode()
    assert "Forecast pipeline" in page and "Archive" in page
    assert "hooks.example.com · 2 Action widgets" in page
    assert "other.example.org · 0 Action widgets" in page
    assert "Enabled" in page


def test_it_prefills_name_application_access_and_url(world, connection):
    page = world.client_for("alice").get(edit_url(connection)).content.decode()
    assert 'value="Forecast pipeline"' in field_html(page, "name")
    assert f'value="{URL}"' in field_html(page, "url")
    applications = field_html(page, "applications")
    checked = re.findall(r'<input type="checkbox"[^>]*value="(\d+)"[^>]*checked', applications)
    assert checked == [str(world.sales.pk)]


def test_it_shows_header_names_and_body_size_but_never_their_values(world, connection):
    page = world.client_for("alice").get(edit_url(connection)).content.decode()
    headers = field_html(page, "headers")
    assert "2 headers set:" in headers
    assert "<code>Authorization</code>, <code>X-Team</code>" in headers
    assert "(values hidden)" in headers
    assert f"Set: {len(BODY)} characters" in field_html(page, "body")
    assert "<textarea" not in headers and "<textarea" not in field_html(page, "body")
    assert not any(secret in page for secret in SECRETS)


def test_it_states_how_many_action_widgets_use_the_connection(world, connection):
    add_action_widgets(world, connection, 3)
    page = world.client_for("alice").get(edit_url(connection)).content.decode()
    assert "Used by 3 Action widgets." in page


def test_it_keeps_stored_headers_and_body_when_they_are_left_alone(world, connection):
    data = form_data(name="Renamed", headers=None, body=None)
    response = world.client_for("alice").post(edit_url(connection), data)
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.name == "Renamed"
    assert (connection.headers, connection.body) == (HEADERS, BODY)


def test_it_ignores_header_text_posted_without_asking_to_replace(world, connection):
    world.client_for("alice").post(edit_url(connection), form_data(headers="{}", body="1"))
    connection.refresh_from_db()
    assert (connection.headers, connection.body) == (HEADERS, BODY)


def test_it_swaps_in_an_empty_text_box_to_replace_the_headers(world, connection):
    response = world.client_for("alice").get(
        edit_url(connection, "?replace=headers"), HTTP_HX_REQUEST="true"
    )
    headers = field_html(response.content.decode(), "headers")
    assert '<input type="hidden" name="replace_headers" value="on">' in headers
    assert '<textarea name="headers"' in headers
    # Empty: the stored value is not filled in.
    assert re.search(r'<textarea name="headers"[^>]*>\s*</textarea>', headers)
    assert "Keep the current headers" in headers


def test_it_links_the_replace_control_for_pages_without_javascript(world, connection):
    page = world.client_for("alice").get(edit_url(connection)).content.decode()
    headers = field_html(page, "headers")
    assert f'href="{edit_url(connection, "?replace=headers")}"' in headers
    assert f'hx-get="{edit_url(connection, "?replace=headers")}"' in headers
    assert 'hx-select="#field-headers"' in headers


def test_it_replaces_headers_and_body_when_asked(world, connection):
    new_headers = json.dumps({"X-Api-Key": "sb-secret-new-key"})
    data = form_data(headers=new_headers, replace_headers="on", body="[1]", replace_body="on")
    assert world.client_for("alice").post(edit_url(connection), data).status_code == 302
    connection.refresh_from_db()
    assert (connection.headers, connection.body) == (new_headers, "[1]")


def test_it_removes_headers_and_body_replaced_with_nothing(world, connection):
    data = form_data(headers="", replace_headers="on", body="", replace_body="on")
    world.client_for("alice").post(edit_url(connection), data)
    connection.refresh_from_db()
    assert (connection.headers, connection.body) == ("", "")
    page = world.client_for("alice").get(edit_url(connection)).content.decode()
    assert "No headers." in page and "No body." in page


def test_it_rejects_a_bad_replacement_in_place_and_keeps_the_stored_values(world, connection):
    data = form_data(headers='{"Content-Type": "text/plain"}', replace_headers="on")
    response = world.client_for("alice").post(edit_url(connection), data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<form id="connection-form"')
    assert "Content-Type cannot be set" in field_html(page, "headers")
    connection.refresh_from_db()
    assert connection.headers == HEADERS


def test_it_validates_a_changed_url_and_moves_the_host(world, connection):
    client = world.client_for("alice")
    page = client.post(edit_url(connection), form_data(url="https://127.0.0.1/")).content.decode()
    assert "private or local address" in field_html(page, "url")
    client.post(
        edit_url(connection),
        form_data(url="https://other.example.org/hook", replace_headers="on", replace_body="on"),
    )
    connection.refresh_from_db()
    assert (connection.url, connection.host) == (
        "https://other.example.org/hook",
        "other.example.org",
    )


def test_it_renames_without_resolving_an_unchanged_url_again(world, connection, fake_dns):
    fake_dns.table.clear()  # DNS is down: no name resolves
    world.client_for("alice").post(edit_url(connection), form_data(name="Renamed"))
    connection.refresh_from_db()
    assert connection.name == "Renamed"


def test_it_changes_application_access(world, connection):
    data = form_data(applications=[str(world.workforce.pk)])
    world.client_for("alice").post(edit_url(connection), data)
    assert list(connection.applications.all()) == [world.workforce]


def test_it_answers_an_htmx_click_in_the_list_with_the_pane_only(world, connection):
    response = world.client_for("alice").get(edit_url(connection), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="pane"')
    assert "<html" not in page


def test_it_leaves_an_empty_spot_for_the_connection_activity(world, connection):
    page = world.client_for("alice").get(edit_url(connection)).content.decode()
    assert 'id="connection-activity"' in page


def test_it_disables_and_enables_a_connection(world, connection):
    client = world.client_for("alice")
    toggle = reverse("integrations:connection_set_enabled", args=[connection.pk])
    response = client.post(toggle, {"enabled": "0"})
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.enabled is False
    page = client.get(edit_url(connection)).content.decode()
    assert "is disabled" in page and ">Enable</button>" in page
    client.post(toggle, {"enabled": "1"})
    connection.refresh_from_db()
    assert connection.enabled is True


def test_it_asks_before_deleting_and_says_how_many_widgets_use_it(world, connection):
    add_action_widgets(world, connection, 2)
    url = reverse("integrations:connection_delete", args=[connection.pk])
    page = world.client_for("alice").get(url).content.decode()
    assert "Delete “Forecast pipeline”?" in page
    assert "2 Action widgets use this connection." in page
    assert Connection.objects.filter(pk=connection.pk).exists()


def test_it_says_when_no_widget_uses_a_connection_to_delete(world, connection):
    url = reverse("integrations:connection_delete", args=[connection.pk])
    page = world.client_for("alice").get(url).content.decode()
    assert "No Action widgets use this connection." in page


def test_it_deletes_and_leaves_the_widgets_unbound(world, connection):
    add_action_widgets(world, connection, 1)
    url = reverse("integrations:connection_delete", args=[connection.pk])
    response = world.client_for("alice").post(url)
    assert response["Location"] == reverse("integrations:connection_list")
    assert not Connection.objects.exists()
    assert Widget.objects.get().connection is None


def test_it_refuses_get_on_the_write_only_urls(world, connection):
    client = world.client_for("alice")
    toggle = reverse("integrations:connection_set_enabled", args=[connection.pk])
    assert client.get(toggle).status_code == 405
    assert client.get(reverse("integrations:connection_validate_url")).status_code == 405


@pytest.mark.parametrize("data", [{}, {"enabled": ""}, {"enabled": "yes"}, {"enabled": "true"}])
@pytest.mark.parametrize("enabled", [True, False])
def test_it_changes_nothing_without_a_clear_enable_or_disable(world, connection, data, enabled):
    connection.enabled = enabled
    connection.save()
    toggle = reverse("integrations:connection_set_enabled", args=[connection.pk])
    response = world.client_for("alice").post(toggle, data)
    assert response.status_code == 400
    assert "enabled must be 1 (enable) or 0 (disable)" in response.content.decode()
    connection.refresh_from_db()
    assert connection.enabled is enabled
    assert not AuditEntry.objects.exclude(action=AuditEntry.Action.CREATED).exists()


def test_it_posts_exactly_the_values_the_toggle_accepts(world, connection):
    page = world.client_for("alice").get(edit_url(connection)).content.decode()
    assert '<input type="hidden" name="enabled" value="0">' in page
    connection.enabled = False
    connection.save()
    page = world.client_for("alice").get(edit_url(connection)).content.decode()
    assert '<input type="hidden" name="enabled" value="1">' in page


def test_it_keeps_at_least_one_application_on_edit(world, connection):
    response = world.client_for("alice").post(
        edit_url(connection), form_data(applications=None, url=URL)
    )
    assert response.status_code == 200
    assert "Choose at least one application" in response.content.decode()
    assert list(connection.applications.all()) == [world.sales]
