"""Someone in two workspaces switches in the top bar; Integrations then lists the other one's."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_on
from tests.support.connections import connection_make
from workspace.models import Membership
from workspace.services import membership_ensure

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_workspaces(world, public_dns):
    membership_ensure(workspace=world.globex, user=world.alice, role=Membership.Role.ADMIN)
    connection_make(world.acme, actor=world.alice, applications=[world.sales], name="Acme pipeline")
    connection_make(
        world.globex, actor=world.oscar, applications=[world.globex_app], name="Globex pipeline"
    )
    return world


@pytest.mark.parametrize("width", [1440, 375])
def test_switching_workspace_changes_what_integrations_lists(
    two_workspaces, live_server, new_page, width
):
    page = new_page(width=width)
    sign_in_on(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/integrations/api-request/")
    expect(page.get_by_role("link", name="Acme pipeline")).to_be_visible()
    expect(page.get_by_text("Globex pipeline")).to_have_count(0)

    page.get_by_label("Workspace", exact=True).select_option(label="Globex")
    page.get_by_role("button", name="Switch").click()

    expect(page).to_have_url(f"{live_server.url}/integrations/api-request/")
    expect(page.get_by_text("You are now working in Globex.")).to_be_visible()
    expect(page.get_by_role("link", name="Globex pipeline")).to_be_visible()
    expect(page.get_by_text("Acme pipeline")).to_have_count(0)
    chosen = page.get_by_label("Workspace", exact=True)
    expect(chosen).to_have_value(str(two_workspaces.globex.pk))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
