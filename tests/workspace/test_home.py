import pytest
from django.urls import reverse

from tests.support.personas import person_without_workspace

pytestmark = pytest.mark.django_db


def test_it_lists_every_application_and_board_for_the_admin(world):
    response = world.client_for("alice").get(reverse("workspace:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sales Planning" in page and "Workforce" in page
    assert "Sales Forecast" in page and "Headcount Plan" in page
    assert "Operations Overview" not in page


def test_it_lists_only_the_applications_a_member_may_open(world):
    page = world.client_for("victor").get(reverse("workspace:home")).content.decode()
    assert "Sales Forecast" in page
    assert "Headcount Plan" not in page
    assert "Workforce" not in page


def test_it_shows_the_integrations_link_only_to_workspace_admins(world):
    assert "Integrations" in world.client_for("alice").get("/").content.decode()
    for persona in ["erin", "victor"]:
        assert "Integrations" not in world.client_for(persona).get("/").content.decode()


def test_it_shows_the_outsider_only_their_own_workspace(world):
    page = world.client_for("oscar").get("/").content.decode()
    assert "Globex" in page and "Operations Overview" in page
    assert "Acme" not in page and "Sales Forecast" not in page


def test_it_sends_anonymous_visitors_to_sign_in(world):
    response = world.client_for("anonymous").get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_tells_a_user_without_a_workspace_to_ask_for_one(db, client):
    client.force_login(person_without_workspace("loner"))
    response = client.get("/")
    assert response.status_code == 200
    assert "You are not in a workspace yet" in response.content.decode()


def test_no_template_syntax_leaks_into_pages(world):
    pages = ["/", "/login/", "/integrations/", "/integrations/api-request/new/"]
    pages += ["/integrations/api-keys/", "/integrations/api-keys/new/", "/integrations/audit/"]
    for url in pages:
        page = world.client_for("alice").get(url).content.decode()
        assert "{#" not in page and "{%" not in page and "{{" not in page
