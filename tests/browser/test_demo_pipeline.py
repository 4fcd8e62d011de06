"""The whole loop with the real demo pipeline process: the viewer clicks Refresh forecast, the
pipeline pushes a new forecast through the import API, and the open board shows it live."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from datasets.models import Dataset, ImportJob
from datasets.selectors import dataset_rows_visible
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_WITHIN_SECONDS = 2.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_month_in_dataset() -> str:
    dataset = Dataset.objects.get(name="Revenue forecast")
    return dataset_rows_visible(dataset=dataset).first().values["month"]


def wait_until_listening(process: subprocess.Popen, port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the demo pipeline exited: {process.stdout.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"the demo pipeline did not listen on port {port}")


def wait_for_import(timeout: float = 20) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
        if job is not None:
            return job
        time.sleep(0.02)
    raise AssertionError("the demo pipeline's import never finished")


@pytest.fixture
def seeded_demo(celery_worker_thread, settings, live_server, tmp_path) -> dict:
    """seed_demo in this process (the live server's database), wired to a pipeline port of
    this test's own; returns what the pipeline needs to push back."""
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    settings.DEMO_PIPELINE_PORT = free_port()
    settings.DEMO_PIPELINE_CONFIG = str(tmp_path / "demo_pipeline.json")
    settings.SWITCHBOARD_BASE_URL = live_server.url
    call_command("seed_demo", password=PASSWORD, stdout=io.StringIO())
    return json.loads(Path(settings.DEMO_PIPELINE_CONFIG).read_text())


@pytest.fixture
def demo_pipeline(seeded_demo, settings, live_server):
    """`manage.py run_demo_pipeline` as its own process, pushing to the live server."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "SWITCHBOARD_BASE_URL": live_server.url,
        "DEMO_PIPELINE_API_KEY": seeded_demo["apiKey"],
        "DEMO_PIPELINE_CONFIGURATION_ID": str(seeded_demo["configurationId"]),
    }
    port = settings.DEMO_PIPELINE_PORT
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo_pipeline", "--port", str(port)],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_listening(process, port)
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()


def test_it_shows_the_pipelines_new_forecast_on_the_open_board_without_a_reload(
    demo_pipeline, sign_in, live_server
):
    # Read the months from the data rather than the clock, so a run across midnight at the end of
    # a month still knows what to expect.
    this_month = first_month_in_dataset()
    page = sign_in("viewer")
    page.get_by_role("link", name="Sales Forecast", exact=True).click()
    # htmx binds the button once the page has loaded; a click before that is a plain post.
    page.wait_for_url(re.compile(r"/boards/\d+/$"), wait_until="load")
    table = page.get_by_test_id("table-widget")
    first_month = table.locator("tbody tr").first.locator("td").first
    # Dates read for people; the ISO date the data holds is in the cell's <time datetime>.
    expect(first_month.locator("time")).to_have_attribute("datetime", this_month)
    expect(table.locator("tbody tr")).to_have_count(24)
    board_url = page.url
    page.evaluate("window.__marker = 'same page'")

    page.get_by_role("button", name="Refresh forecast").click()

    # Watch the database for the import first, so the 2 seconds are measured from its end.
    job = wait_for_import()
    assert (job.status, job.rows_imported) == ("succeeded", 24), job.errors
    forecast_start = first_month_in_dataset()
    assert forecast_start > this_month  # the forecast starts after the seeded month
    remaining = LIVE_WITHIN_SECONDS - (timezone.now() - job.finished_at).total_seconds()
    assert remaining > 0, "the import was only noticed after the 2 seconds had passed"
    expect(first_month.locator("time")).to_have_attribute(
        "datetime", forecast_start, timeout=remaining * 1000
    )

    # The pipeline answered 202 at once and computed afterwards.
    expect(page.get_by_test_id("action-result")).to_have_text("Sent")

    expect(table.locator("tbody tr")).to_have_count(24)
    expect(table.locator(f'tbody time[datetime="{this_month}"]')).to_have_count(0)
    assert page.evaluate("window.__marker") == "same page"
    assert page.url == board_url
