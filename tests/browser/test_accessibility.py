"""axe-core finds no serious or critical accessibility problem on the main screens, on a desktop
and on a phone, in the light and the dark colour scheme, with the Content-Security-Policy on.

axe (tests/browser/assets/axe.min.js, axe-core 4, MPL-2.0) is evaluated through the DevTools
protocol: the policy governs the page's own scripts, not the ones the test driver runs, so no
inline script or eval has to be allowed for the test.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from boards.models import Widget
from boards.services import widget_create
from datasets.api_key_services import api_key_create
from datasets.models import ApiKey, Dataset, DatasetRow, ImportJob
from datasets.services import dataset_create, dataset_rows_changed, import_configuration_create
from integrations.models import Connection, Delivery
from integrations.services.connections import connection_create, connection_update
from tests.browser.conftest import add_action, sign_in_on
from tests.integrations.delivery_support import ledger_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (Path(__file__).parent / "assets" / "axe.min.js").read_text()
BLOCKING = {"serious", "critical"}

RUN_AXE_JS = """
async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}
"""


@dataclass
class Screens:
    connection: Connection
    dataset: Dataset


def workspace_with_something_on_every_screen(world, public_dns) -> Screens:
    """Acme with a connection (edited once, so the audit trail has changes to list), calls in its
    delivery log, a board with widgets, a dataset with an import configuration and an import, and
    an API key."""
    connection = connection_create(
        workspace=world.acme,
        actor=world.alice,
        name="Forecast pipeline",
        applications=[world.sales],
        url="https://pipeline.example.com/run",
        headers='{"Authorization": "Bearer not-shown"}',
        body='{"scenario": "base"}',
    )
    connection_update(
        connection=connection,
        actor=world.alice,
        name="Forecast pipeline",
        applications=[world.sales, world.workforce],
        url="https://pipeline.example.com/run/v2",
    )
    now = timezone.now()
    ledger_rows(
        connection,
        [now - datetime.timedelta(minutes=5)],
        http_status=200,
        duration_ms=120,
        user=world.erin,
        widget_label="Refresh forecast",
        board_name="Sales Forecast",
        response_excerpt='{"status": "queued"}',
    )
    ledger_rows(
        connection,
        [now],
        outcome=Delivery.Outcome.FAILED,
        http_status=500,
        detail="The service answered 500",
        user=world.victor,
        widget_label="Refresh forecast",
    )
    dataset = dataset_create(
        workspace=world.acme,
        name="Revenue forecast",
        columns=[
            ("month", "date"),
            ("region", "text"),
            ("product line", "text"),
            ("revenue", "number"),
            ("margin", "number"),
            ("comment", "text"),
        ],
        applications=[world.sales],
    )
    DatasetRow.objects.create(
        dataset=dataset,
        position=0,
        values={
            "month": "2031-01-01",
            "region": "North-Northwest Territories",
            "product line": "Enterprise subscriptions",
            "revenue": 1_234_567.89,
            "margin": 0.4275,
            "comment": "Revised after the quarterly pipeline review",
        },
    )
    dataset_rows_changed(dataset=dataset)
    configuration = import_configuration_create(
        workspace=world.acme, name="Nightly revenue", dataset=dataset, mode="replace"
    )
    ImportJob.objects.create(
        workspace=world.acme,
        configuration=configuration,
        status=ImportJob.Status.FAILED,
        rows_received=12,
        rows_imported=0,
        errors=["Line 3: revenue is not a number"],
    )
    add_action(world, connection)
    widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="Press after the close.")
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, title="Revenue", dataset=dataset)
    api_key_create(
        workspace=world.acme,
        name="Nightly pipeline",
        key_type=ApiKey.KeyType.IMPORT,
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        created_by=world.alice,
    )
    return Screens(connection=connection, dataset=dataset)


def axe_violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(RUN_AXE_JS)


def report(screen: str, violations: list[dict]) -> list[str]:
    return [
        f"{screen}: {v['id']} ({v['impact']}) {v['help']}\n"
        + "\n".join(f"    {node['target']}\n      {node['summary']}" for node in v["nodes"])
        for v in violations
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1440, 375])
def test_axe_finds_nothing_serious_on_the_main_screens(
    world, browser, live_server, public_dns, width, scheme
):
    screens = workspace_with_something_on_every_screen(world, public_dns)
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = live_server.url
    problems: list[str] = []

    def check(screen: str) -> None:
        problems.extend(report(screen, axe_violations(page)))

    try:
        page.goto(f"{base}/login/")
        check("sign-in")
        sign_in_on(page, base, "alice")
        check("home")

        board = f"{base}/boards/{world.sales_board.pk}/"
        page.goto(board)
        expect(page.get_by_test_id("table-widget")).to_contain_text("North")
        check("board")
        page.goto(f"{board}edit/")
        page.get_by_test_id("add-widget").click()
        expect(page.get_by_role("dialog", name="+ Add a Widget")).to_be_visible()
        check("board edit mode, inspector open")

        for screen, path in [
            ("integrations index", "/integrations/"),
            ("connection list", "/integrations/api-request/"),
            ("connection edit pane", f"/integrations/api-request/{screens.connection.pk}/"),
            ("delivery log", "/integrations/deliveries/"),
            (
                "connection's delivery log",
                f"/integrations/api-request/{screens.connection.pk}/deliveries/",
            ),
            ("audit trail", "/integrations/audit/"),
            ("datasets list", "/integrations/datasets/"),
            ("API keys list", "/integrations/api-keys/"),
            ("404 page", "/integrations/no-such-screen/"),
        ]:
            page.goto(base + path)
            check(screen)

        page.goto(f"{base}/integrations/api-request/new/")
        check("connection setup form")
        page.get_by_label("POST endpoint URL").fill("ftp://example.com/")
        page.get_by_role("button", name="Setup").click()
        expect(page.get_by_test_id("error-summary")).to_be_visible()
        check("connection setup form with errors")

        page.goto(f"{base}/integrations/api-keys/new/")
        page.get_by_label("Name").fill(f"Key at {width} px, {scheme}")
        page.get_by_role("button", name="Create API key").click()
        expect(page.get_by_test_id("new-api-key")).to_be_visible()
        check("API key created")

        # axe really ran under the policy: a button without a name is reported.
        page.evaluate("document.body.append(document.createElement('button'))")
        page.evaluate("document.body.lastElementChild.id = 'nameless'")
        probe = page.evaluate(
            "async () => (await axe.run('#nameless', {runOnly: ['button-name']})).violations.length"
        )
        assert probe == 1
    finally:
        context.close()

    assert not problems, f"{len(problems)} serious or critical:\n" + "\n".join(problems)
