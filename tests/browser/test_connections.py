"""Integrations → API request in real Chromium: set up a connection, see a bad URL refused in
place, and the link hidden from people who are not Workspace Admins."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from integrations.models import Connection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER_VALUE = "Bearer hdr-7f3a9c-never-shown"
BODY_TOKEN = "body-token-51c2e8-never-shown"
BODY = '{"scenario": "base", "token": "' + BODY_TOKEN + '"}'
NOT_PUBLIC = "127.0.0.1 is a private or local address. Switchboard only calls public addresses."
HTTP_REFUSED = "Use https:// — plain http:// is not allowed on this Switchboard."


def url_errors(page):
    return page.locator("#field-url .errorlist")


def test_it_lets_the_admin_set_up_a_connection_through_the_ui(
    world, sign_in, live_server, public_dns
):
    page = sign_in("alice")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    api_request = page.get_by_role("region", name="API request")
    api_request.get_by_role("link", name="Add").click()
    expect(page.get_by_role("heading", name="Set up a connection")).to_be_visible()

    page.get_by_label("Name").fill("Forecast pipeline")
    page.get_by_role("group", name="Application access").get_by_label("Sales Planning").check()
    page.get_by_label("POST endpoint URL").fill("https://api.example.com/forecast/run")
    page.get_by_label("Headers").fill('{"Authorization": "' + HEADER_VALUE + '"}')
    page.get_by_label("JSON body").fill(BODY)
    page.get_by_role("button", name="Setup").click()

    expect(page.get_by_role("status")).to_contain_text("“Forecast pipeline” is set up.")
    manage_list = page.get_by_role("navigation", name="Connections")
    expect(manage_list.get_by_role("link", name="Forecast pipeline")).to_be_visible()
    expect(manage_list).to_contain_text("api.example.com")
    expect(manage_list).to_contain_text("Sales Planning")
    # The edit pane shows that secrets are set, never what they are.
    expect(page.get_by_test_id("headers-hidden")).to_contain_text("Authorization")
    expect(page.get_by_test_id("headers-hidden")).to_contain_text("values hidden")
    assert HEADER_VALUE not in page.content()
    assert BODY_TOKEN not in page.content()

    page.get_by_role("link", name="Manage").click()
    expect(page.get_by_role("heading", name="API request connections")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Connections").get_by_role(
            "link", name="Forecast pipeline"
        )
    ).to_be_visible()
    assert HEADER_VALUE not in page.content()
    assert BODY_TOKEN not in page.content()

    connection = Connection.objects.get(workspace=world.acme)
    assert (connection.name, connection.host, connection.body) == (
        "Forecast pipeline",
        "api.example.com",
        BODY,
    )
    assert list(connection.applications.all()) == [world.sales]


def test_it_shows_a_bad_url_error_next_to_the_field_without_reloading(
    world, sign_in, live_server, public_dns
):
    page = sign_in("alice")
    page.goto(f"{live_server.url}/integrations/api-request/new/")
    # A full page load would start a new window object and lose this.
    page.evaluate("window.__marker = 'same page'")

    page.get_by_label("Name").fill("Local probe")
    page.get_by_label("POST endpoint URL").fill("https://127.0.0.1/")
    page.get_by_role("button", name="Setup").click()

    expect(url_errors(page)).to_have_text(NOT_PUBLIC)
    expect(page.locator("#field-url")).to_have_class(re.compile(r"\bhas-error\b"))
    # The other fields keep what the admin typed.
    expect(page.get_by_label("Name")).to_have_value("Local probe")

    # The URL is checked again as soon as it changes and loses focus, before any Setup click.
    page.get_by_label("POST endpoint URL").fill("http://api.example.com/hook")
    page.get_by_label("POST endpoint URL").press("Tab")
    expect(url_errors(page)).to_have_text(HTTP_REFUSED)

    assert page.evaluate("window.__marker") == "same page"
    assert page.url == f"{live_server.url}/integrations/api-request/new/"
    assert not Connection.objects.exists()


def test_it_shows_no_integrations_link_to_the_viewer(world, sign_in, live_server):
    page = sign_in("victor")

    expect(page.get_by_role("heading", name="Acme")).to_be_visible()
    expect(page.get_by_role("link", name="Sales Forecast", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Integrations"))).to_have_count(0)
    expect(page.get_by_role("link", name="API Keys")).to_have_count(0)
    response = page.goto(f"{live_server.url}/integrations/")
    assert response.status == 404
