"""Integrations → Import API: the reference page, drawn from the OpenAPI document."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from datasets.api import reference
from datasets.api.openapi import OPENAPI

pytestmark = pytest.mark.django_db

PAGE = "/integrations/import-api/"


def operation_section(page: str, operation_id: str) -> str:
    match = re.search(rf'<section[^>]* id="{operation_id}".*?</section>', page, re.S)
    assert match, f"no section for {operation_id}"
    return html.unescape(match.group(0))


@pytest.fixture
def page(world) -> str:
    response = world.client_for("alice").get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_every_path_and_method_of_the_document(page):
    server = OPENAPI["servers"][0]["url"]
    operations = [
        (path, method, operation)
        for path, item in OPENAPI["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) == 5
    for path, method, operation in operations:
        section = operation_section(page, operation["operationId"])
        assert f"{method.upper()}</span> <code>{server}{path}</code>" in section
        assert operation["summary"] in section
        for parameter in operation.get("parameters", []):
            assert f"<code>{parameter['name']}</code>" in section
        for status in operation["responses"]:
            assert f">{status}</span>" in section
        assert operation["x-codeSamples"][0]["source"] in section
        assert f'href="#{operation["operationId"]}"' in page  # in the list of endpoints


def test_it_shows_each_answers_error_code_and_headers(page):
    section = operation_section(page, "importPushCsv")
    for code in ("bad_request", "unknown_delivery", "length_required", "too_large", "busy"):
        assert f"<code>{code}</code>" in section
    for header in ("Location", "Retry-After", "WWW-Authenticate", "Allow"):
        assert f"<code>{header}</code>" in section
    export = operation_section(page, "datasetExportCsv")
    assert "<code>conflict</code>" in export
    assert "<code>Content-Disposition</code>" in export


def test_it_lists_the_fields_of_nested_answers(page):
    section = operation_section(page, "datasetList")
    for name in ("datasets[].columns[].kind", "datasets[].lastImport.importId"):
        assert f"<code>{name}</code>" in section
    assert "string (date-time) or null" in section


def test_it_is_drawn_from_the_document(world, monkeypatch):
    # One source: an operation added to the document appears on the page, with its answers.
    monkeypatch.setitem(
        OPENAPI["paths"],
        "/imaginary",
        {
            "get": {
                "operationId": "imaginaryRead",
                "summary": "Read the imaginary",
                "description": "Only in this test.",
                "security": [{"exportKey": []}],
                "responses": {"418": {"description": "A teapot."}},
                "x-codeSamples": [{"lang": "Shell", "label": "curl", "source": "curl teapot"}],
            }
        },
    )
    reference.api_reference.cache_clear()
    try:
        page = world.client_for("alice").get(PAGE).content.decode()
    finally:
        reference.api_reference.cache_clear()
    section = operation_section(page, "imaginaryRead")
    assert "GET</span> <code>/api/v1/imaginary</code>" in section
    assert ">418</span>" in section
    assert "Key: Export key" in section


def test_it_gives_the_examples_this_sites_address(page):
    assert "export SWITCHBOARD_URL=http://testserver\n" in page
    assert f'href="{reverse("datasets:openapi")}"' in page


def test_it_is_reachable_from_the_integrations_page(world):
    client = world.client_for("alice")
    index = client.get(reverse("integrations:index")).content.decode()
    assert f'href="{PAGE}"' in index
    assert client.get(PAGE).status_code == 200


def test_the_datasets_page_links_to_it(world, forecast):
    client = world.client_for("alice")
    assert f'href="{PAGE}"' in client.get(reverse("datasets:list")).content.decode()


@pytest.mark.parametrize("persona", ["erin", "victor"])
def test_it_is_a_404_for_members_who_are_not_admins(world, persona):
    # Like the rest of Integrations; the document itself is public at /api/v1/openapi.json.
    assert world.client_for(persona).get(PAGE).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(world):
    response = world.client_for("anonymous").get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admins_of_any_workspace_may_read_it(world):
    assert world.client_for("oscar").get(PAGE).status_code == 200
