"""The demo loop, tied together: the viewer clicks Refresh forecast, the demo pipeline echoes the
call's Switchboard-Delivery-Id as ?deliveryId= with its CSV, and the open board says when the
results arrived; the admin's delivery log links the call to its import, and the import list
links back. Real Chromium, the real pipeline process, a real Celery worker.

With SHOTS_DIR set, screenshots of the widget and the delivery log at 1440 and 375 px go there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from datasets.models import ImportJob
from integrations.models import Delivery
from tests.browser.conftest import sign_in_on

# The demo loop's fixtures: seed_demo in the live server's database, the pipeline process.
from tests.browser.test_demo_pipeline import (  # noqa: F401
    LIVE_WITHIN_SECONDS,
    demo_pipeline,
    seeded_demo,
    wait_for_import,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARRIVED = re.compile(r"· Sent · results arrived \d+(\.\d)? (s|min) later$")


def shoot(page, name: str, locator=None) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)  # the button's tooltip shows on hover and focus
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for width in (1440, 375):
        page.set_viewport_size({"width": width, "height": 900})
        target = locator if locator is not None else page
        target.screenshot(path=f"{folder}/{name}-{width}.png")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_board_says_when_the_clicks_results_arrived(demo_pipeline, live_server, new_page):  # noqa: F811
    viewer = sign_in_on(new_page(), live_server.url, "viewer")
    viewer.get_by_role("link", name="Sales Forecast", exact=True).click()
    # htmx binds the button once the page has loaded; a click before that is a plain post.
    viewer.wait_for_url(re.compile(r"/boards/\d+/$"), wait_until="load")
    viewer.get_by_role("button", name="Refresh forecast").click()

    job = wait_for_import()
    assert (job.status, job.rows_imported) == ("succeeded", 24), job.errors
    delivery = Delivery.objects.get(pk=job.delivery_id)  # the pipeline echoed the id
    assert (delivery.widget_label, delivery.user.username) == ("Refresh forecast", "viewer")
    remaining = LIVE_WITHIN_SECONDS - (timezone.now() - job.finished_at).total_seconds()
    assert remaining > 0, "the import was only noticed after the 2 seconds had passed"
    last_run = viewer.get_by_test_id("last-run")
    expect(last_run).to_have_text(ARRIVED, timeout=remaining * 1000)
    expect(last_run).to_contain_text("Last run by viewer at")
    widget = viewer.locator(f"#widget-{delivery.widget_id}")
    shoot(viewer, "widget", widget)

    # Kept across a reload.
    viewer.reload()
    expect(viewer.get_by_test_id("last-run")).to_have_text(ARRIVED)
    shoot(viewer, "widget-reloaded", widget)

    admin = sign_in_on(new_page(), live_server.url, "admin")
    admin.goto(f"{live_server.url}/integrations/deliveries/")
    results = admin.get_by_test_id("delivery-results").first
    expect(results).to_contain_text(f"Import {str(job.pk)[:8]}")
    expect(results).to_contain_text("Succeeded")
    expect(results).to_contain_text("24 rows")
    shoot(admin, "delivery-log")

    admin.get_by_test_id("delivery-import").first.click()
    answers = admin.get_by_test_id("import-answers-link")
    expect(answers).to_have_count(1)
    expect(answers).to_have_text(
        re.compile(r"^answers Refresh forecast click by viewer at \d\d:\d\d UTC$")
    )
    shoot(admin, "import-list", admin.locator("section", has=admin.locator("#imports-title")))
    answers.click()
    expect(admin.get_by_test_id("delivery-message")).to_be_visible()
    expect(admin.get_by_test_id("delivery-results")).to_contain_text("Succeeded")
    assert ImportJob.objects.filter(delivery=delivery).count() == 1
