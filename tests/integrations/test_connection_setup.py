"""Integrations → API request → Add → Set up a connection, as the admin sees it."""

import json

import pytest
from django.urls import reverse

from integrations.address_policy import NAME_NOT_CALLABLE
from integrations.models import Connection
from tests.integrations.connection_support import (
    BODY,
    HEADERS,
    SECRETS,
    URL,
    field_html,
    form_data,
)
from tests.support.resolver import PRIVATE_IP

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]


def test_it_shows_the_api_request_tile_with_add_and_manage(world):
    page = world.client_for("alice").get(reverse("integrations:index")).content.decode()
    assert "Application Settings → <a" in page
    assert "API request" in page
    assert f'href="{reverse("integrations:connection_create")}">Add</a>' in page
    assert f'href="{reverse("integrations:connection_list")}">Manage</a>' in page


def test_it_shows_the_setup_form_with_the_product_labels(world):
    page = world.client_for("alice").get(reverse("integrations:connection_create")).content.decode()
    for label in ["Set up a connection", "Name", "Application access", "POST endpoint URL"]:
        assert label in page
    assert '<label for="id_headers">Headers</label>' in page
    assert '<label for="id_body">JSON body</label>' in page
    assert ">Setup<" in page
    # Application access offers the admin's own applications only.
    assert "Sales Planning" in page and "Workforce" in page
    assert "Operations" not in page


def test_it_sets_up_a_connection_and_opens_its_pane(world):
    client = world.client_for("alice")
    data = form_data(applications=[str(world.sales.pk), str(world.workforce.pk)])
    response = client.post(reverse("integrations:connection_create"), data)
    connection = Connection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("integrations:connection_edit", args=[connection.pk])
    assert connection.workspace == world.acme
    assert connection.created_by == world.alice
    assert connection.enabled is True
    assert (connection.url, connection.headers, connection.body) == (URL, HEADERS, BODY)
    assert connection.host == "hooks.example.com"
    assert set(connection.applications.all()) == {world.sales, world.workforce}
    page = client.get(response["Location"]).content.decode()
    assert "“Forecast pipeline” is set up." in page


def test_it_stores_the_host_in_lower_case_from_the_url(world):
    response = world.client_for("alice").post(
        reverse("integrations:connection_create"),
        form_data(url="https://Hooks.EXAMPLE.com:8443/run"),
    )
    assert response.status_code == 302
    assert Connection.objects.get().host == "hooks.example.com"


def test_it_answers_an_htmx_post_with_the_form_and_its_errors_only(world):
    response = world.client_for("alice").post(
        reverse("integrations:connection_create"),
        form_data(url="https://127.0.0.1/"),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<form id="connection-form"')
    assert "<html" not in page
    assert "private or local address" in field_html(page, "url")
    assert not Connection.objects.exists()


def test_it_sends_the_browser_to_the_pane_after_an_htmx_setup(world):
    response = world.client_for("alice").post(
        reverse("integrations:connection_create"), form_data(), HTTP_HX_REQUEST="true"
    )
    connection = Connection.objects.get()
    assert response["HX-Redirect"] == reverse("integrations:connection_edit", args=[connection.pk])


def test_it_keeps_what_was_typed_when_setup_fails(world):
    page = (
        world.client_for("alice")
        .post(
            reverse("integrations:connection_create"),
            form_data(name="Keep me", url="https://127.0.0.1/", body='{"a": 1}'),
        )
        .content.decode()
    )
    assert 'value="Keep me"' in page
    assert "{&quot;a&quot;: 1}" in field_html(page, "body")


def test_it_never_echoes_a_rejected_header_value_in_its_message(world):
    headers = json.dumps({"X-Team": "abc\r\nsb-secret-def", "Host": "sb-secret-xyz"})
    response = world.client_for("alice").post(
        reverse("integrations:connection_create"),
        form_data(headers=headers),
        HTTP_HX_REQUEST="true",
    )
    errors = field_html(response.content.decode(), "headers").split("</textarea>")[1]
    assert "contains a line break" in errors and "Host cannot be set" in errors
    assert "secret" not in errors


def test_it_checks_the_url_field_on_its_own(world):
    url = reverse("integrations:connection_validate_url")
    client = world.client_for("alice")
    bad = client.post(url, {"url": "https://intranet.example.com/x"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200
    answer = bad.content.decode()
    assert NAME_NOT_CALLABLE in answer
    assert PRIVATE_IP not in answer
    good = client.post(url, {"url": URL}, HTTP_HX_REQUEST="true")
    assert good.content.decode().strip() == ""


def test_it_wires_the_url_check_to_the_url_field_only(world):
    page = world.client_for("alice").get(reverse("integrations:connection_create")).content.decode()
    url_field = field_html(page, "url")
    assert f'hx-post="{reverse("integrations:connection_validate_url")}"' in url_field
    assert 'hx-params="url"' in url_field


def test_it_states_the_limits_and_egress_addresses(world, settings):
    settings.OUTBOUND_EGRESS_IPS = ["203.0.113.10", "2001:db8::10"]
    page = world.client_for("alice").get(reverse("integrations:connection_create")).content.decode()
    assert "<code>POST</code> only" in page
    assert "100 calls per hour per host" in page
    assert "Headers: at most 200 characters" in page
    assert "JSON body: at most 1000 characters" in page
    assert "<code>203.0.113.10</code>" in page and "<code>2001:db8::10</code>" in page


def test_it_says_so_when_no_egress_addresses_are_configured(world, settings):
    settings.OUTBOUND_EGRESS_IPS = []
    page = world.client_for("alice").get(reverse("integrations:connection_create")).content.decode()
    assert "no fixed outgoing addresses configured" in page


def test_it_lists_no_secret_after_setup_on_the_integrations_page(world):
    client = world.client_for("alice")
    client.post(reverse("integrations:connection_create"), form_data())
    page = client.get(reverse("integrations:index")).content.decode()
    assert "1 connection" in page
    assert not any(secret in page for secret in SECRETS)
