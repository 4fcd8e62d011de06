"""Someone in several workspaces switches between them; every page follows the one chosen."""

import datetime

import pytest
from django.db import connection
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from datasets.api_key_services import api_key_create
from workspace.context_processors import current_workspace
from workspace.models import ApplicationRole, Membership
from workspace.selectors import membership_for_user
from workspace.services import application_role_ensure, membership_ensure

pytestmark = pytest.mark.django_db

SWITCH = reverse("workspace:switch")


@pytest.fixture
def alice_in_globex_too(world):
    """alice: Workspace Admin of Acme (her first membership) and of Globex."""
    membership_ensure(workspace=world.globex, user=world.alice, role=Membership.Role.ADMIN)
    for workspace, name in [(world.acme, "Acme nightly key"), (world.globex, "Globex nightly key")]:
        api_key_create(
            workspace=workspace,
            name=name,
            key_type="import",
            expires_on=datetime.date.today() + datetime.timedelta(days=30),
            created_by=world.alice,
        )
    return world


def test_one_workspace_shows_no_switcher(world):
    page = world.client_for("alice").get("/").content.decode()
    assert 'data-testid="workspace-switch"' not in page


def test_the_switcher_lists_every_workspace_of_the_user_and_marks_the_current_one(
    alice_in_globex_too,
):
    page = alice_in_globex_too.client_for("alice").get("/").content.decode()
    assert 'data-testid="workspace-switch"' in page
    acme, globex = alice_in_globex_too.acme, alice_in_globex_too.globex
    assert f'<option value="{acme.pk}" selected>Acme</option>' in page
    assert f'<option value="{globex.pk}">Globex</option>' in page


def test_before_any_switch_the_oldest_membership_is_the_workspace(alice_in_globex_too):
    assert membership_for_user(user=alice_in_globex_too.alice).workspace == alice_in_globex_too.acme


def test_switching_changes_the_home_and_the_api_keys_and_is_remembered(alice_in_globex_too):
    world = alice_in_globex_too
    client = world.client_for("alice")
    keys_url = reverse("datasets:api_keys")
    assert "Acme nightly key" in client.get(keys_url).content.decode()

    response = client.post(SWITCH, {"workspace": world.globex.pk, "next": keys_url})

    assert response.status_code == 302 and response["Location"] == keys_url
    keys = client.get(keys_url).content.decode()
    assert "Globex nightly key" in keys and "Acme nightly key" not in keys
    assert "You are now working in Globex." in keys
    home = client.get("/").content.decode()
    assert "Operations Overview" in home and "Sales Forecast" not in home
    # Remembered on the membership: a new sign-in elsewhere works in Globex too.
    assert "Operations Overview" in world.client_for("alice").get("/").content.decode()


def test_the_other_workspaces_objects_are_still_a_404_until_switching_back(alice_in_globex_too):
    world = alice_in_globex_too
    client = world.client_for("alice")
    acme_board = reverse("boards:detail", args=[world.sales_board.pk])
    assert client.get(acme_board).status_code == 200

    client.post(SWITCH, {"workspace": world.globex.pk})

    assert client.get(acme_board).status_code == 404
    client.post(SWITCH, {"workspace": world.acme.pk})
    assert client.get(acme_board).status_code == 200


def test_switching_on_an_objects_page_lands_on_the_home(alice_in_globex_too):
    world = alice_in_globex_too
    board = reverse("boards:detail", args=[world.sales_board.pk])
    response = world.client_for("alice").post(SWITCH, {"workspace": world.globex.pk, "next": board})
    assert response["Location"] == reverse("workspace:home")


def test_a_member_switching_on_an_admin_page_lands_on_the_home(world):
    membership_ensure(workspace=world.globex, user=world.alice, role=Membership.Role.MEMBER)
    application_role_ensure(
        application=world.globex_app, user=world.alice, level=ApplicationRole.Level.OPEN
    )
    response = world.client_for("alice").post(
        SWITCH, {"workspace": world.globex.pk, "next": reverse("integrations:index")}
    )
    assert response["Location"] == reverse("workspace:home")
    home = world.client_for("alice").get("/").content.decode()
    assert "Operations Overview" in home
    assert 'data-testid="nav-integrations"' not in home


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "/no/such/page/"]
)
def test_switching_never_redirects_off_site_or_to_a_missing_page(alice_in_globex_too, next_url):
    world = alice_in_globex_too
    response = world.client_for("alice").post(
        SWITCH, {"workspace": world.globex.pk, "next": next_url}
    )
    assert response["Location"] == reverse("workspace:home")


def test_a_workspace_the_user_is_not_in_is_refused_and_changes_nothing(world):
    client = world.client_for("alice")
    response = client.post(SWITCH, {"workspace": world.globex.pk})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose one of the workspaces you belong to." in page
    assert "you are still working in Acme" in page
    assert membership_for_user(user=world.alice).workspace == world.acme
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("value", ["", "not-a-number", "999999"])
def test_a_malformed_choice_is_a_400_with_a_message(alice_in_globex_too, value):
    response = alice_in_globex_too.client_for("alice").post(SWITCH, {"workspace": value})
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()


def test_switching_needs_a_post_and_a_sign_in(world):
    assert world.client_for("alice").get(SWITCH).status_code == 405
    response = world.client_for("anonymous").post(SWITCH, {"workspace": world.acme.pk})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_navigation_reads_workspace_role_and_choices_in_one_query(alice_in_globex_too):
    request = RequestFactory().get("/")
    request.user = alice_in_globex_too.alice
    nav = Template(
        "{{ current_workspace.name }} {{ is_workspace_admin }}"
        "{% for choice in workspace_choices %} {{ choice.name }}{% endfor %}"
    )
    with CaptureQueriesContext(connection) as captured:
        drawn = nav.render(RequestContext(request, {}, processors=[current_workspace]))
    assert drawn == "Acme True Acme Globex"
    assert len(captured) == 1
