"""What people see when something goes wrong: pages inside the app, never Django's bare ones."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.views import defaults

from tests.support.personas import person_without_workspace

pytestmark = pytest.mark.django_db


def assert_branded(page: str, heading: str) -> None:
    assert '<meta name="viewport"' in page
    assert heading in page
    assert 'href="/"' in page  # a way home
    assert "Traceback" not in page and "settings" not in page.lower()


def test_a_missing_page_is_ours(world):
    response = world.client_for("victor").get("/boards/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert_branded(page, "This page does not exist")
    assert "Go to your boards" in page
    assert "victor" in page  # still signed in: the shell shows who


def test_a_missing_page_for_a_visitor_is_ours_too():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert_branded(response.content.decode(), "This page does not exist")


def test_the_api_still_answers_json_for_a_missing_endpoint():
    response = Client().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_server_error_page_reads_nothing_that_could_fail_again():
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert_branded(response.content.decode(), "Something went wrong on our side")


def test_a_forbidden_page_and_a_bad_request_page_are_ours():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    forbidden = defaults.permission_denied(request, exception=PermissionError())
    assert forbidden.status_code == 403
    assert_branded(forbidden.content.decode(), "You do not have access to this")
    bad = defaults.bad_request(request, exception=ValueError())
    assert bad.status_code == 400
    assert_branded(bad.content.decode(), "That request could not be understood")


def test_an_expired_form_says_what_to_do(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post("/integrations/datasets/new/", {"name": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert_branded(page, "This form has expired")
    assert "reload the page" in page


def test_someone_in_no_workspace_is_told_so(world):
    client = Client()
    client.force_login(person_without_workspace("newcomer"))
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "You are not in a workspace yet" in page
    assert "Ask your workspace admin" in page
