"""The key shown once can be copied with one press, from the keyboard too."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_on

pytestmark = pytest.mark.django_db(transaction=True)


def test_copy_puts_the_new_key_on_the_clipboard(world, browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    try:
        sign_in_on(page, live_server.url, "alice")
        page.goto(live_server.url + reverse("datasets:api_key_create"))
        page.get_by_label("Name").fill("Nightly pipeline")
        page.get_by_role("button", name="Create API key").click()
        secret = page.get_by_test_id("new-api-key").input_value()
        copy = page.get_by_role("button", name="Copy")
        copy.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        expect(page.get_by_test_id("key-validity")).to_contain_text("Valid through")
    finally:
        context.close()


def test_without_javascript_no_copy_button_is_offered(world, browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in_on(page, live_server.url, "alice")
    page.goto(live_server.url + reverse("datasets:api_key_create"))
    page.get_by_label("Name").fill("Nightly pipeline")
    page.get_by_role("button", name="Create API key").click()
    expect(page.get_by_test_id("new-api-key")).to_be_visible()
    expect(page.get_by_role("button", name="Copy")).to_be_hidden()
    context.close()
