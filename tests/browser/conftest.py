"""Browser tests: real Chromium driven by Playwright against Django's live server.

Chromium is Debian's /usr/bin/chromium when present (no browser download works on the CI machines),
otherwise Playwright's own build. The flags keep Chromium from calling home, which a closed network
answers with refusals.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
from playwright.sync_api import expect

from boards.models import Widget
from boards.services import widget_create
from integrations.models import Connection
from tests.support.connections import connection_make
from tests.support.personas import PASSWORD

# The receiver's path, and what the Action widgets' connection sends it.
HOOK = "/hooks/forecast"
HEADER_VALUE = "Bearer hdr-receiver-only-2b7e"
BODY = '{"scenario": "optimistic", "months": 6}'
SENT = re.compile(r"^Sent$")

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told that this is deliberate (the test thread is not serving requests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_executable() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def sign_in(live_server, page):
    def sign_in_as(username: str, password: str = PASSWORD):
        return sign_in_on(page, live_server.url, username, password)

    return sign_in_as


def sign_in_on(page, base_url: str, username: str, password: str = PASSWORD):
    """Sign `username` in on `page` (a second person needs a page of their own)."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    return page


@pytest.fixture
def new_page(browser):
    """Pages in browser contexts of their own: separate cookies, so separate people."""
    contexts = []

    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def httpserver_listen_address():
    # The receiver listens on the IPv4 loopback, the one address the tests allowlist.
    return ("127.0.0.1", 0)


@pytest.fixture
def pipeline(world, public_dns):
    """Sales Planning's connection (nothing is sent in these tests: the panel only configures)."""
    return connection_make(
        world.acme,
        actor=world.alice,
        applications=[world.sales],
        url="https://pipeline.example.com/run",
        headers="",
        body="",
    )


@pytest.fixture
def outbound_to_receiver(celery_worker_thread, settings):
    """Let the server call a receiver on 127.0.0.1, and send from a Celery worker as in
    production: the click answers "Waiting to send…" and the widget polls for the outcome."""
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True
    return settings


@pytest.fixture
def receiver_connection(world, outbound_to_receiver, httpserver) -> Connection:
    """Sales Planning's connection to the test's receiver on 127.0.0.1."""
    return connection_make(
        world.acme,
        actor=world.alice,
        applications=[world.sales],
        url=httpserver.url_for(HOOK),
        headers={"Authorization": HEADER_VALUE},
        body=BODY,
    )


def add_action(world, connection: Connection, **fields) -> Widget:
    """A "Refresh forecast" Action widget on the Sales Forecast board."""
    return widget_create(
        board=world.sales_board,
        kind=Widget.Kind.ACTION,
        connection=connection,
        button_label="Refresh forecast",
        **fields,
    )


def open_board(page, live_server, world, suffix: str = ""):
    """The Sales Forecast board (`suffix` "edit/" for Edit mode) for whoever `page` signed in."""
    page.goto(f"{live_server.url}/boards/{world.sales_board.pk}/{suffix}")
    expect(page.get_by_role("heading", name="Sales Forecast")).to_be_visible()
    return page
