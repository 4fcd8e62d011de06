"""The finish: room to tap every control, a focus ring that can be seen, and a dark theme that
keeps text readable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import sign_in_on

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["workspace:home", "integrations:index", "datasets:api_keys", "datasets:list"]

# Relative luminance and contrast as WCAG 2 defines them, from a computed "rgb(r, g, b)".
CONTRAST_JS = """
(pair) => {
  const lum = (css) => {
    const [r, g, b] = css.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = pair.map(lum).sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""

SMALL_TARGETS_JS = """
() => Array.from(document.querySelectorAll(
    'button, .btn, input:not([type=hidden]), select, .topnav a'))
  .filter((el) => el.offsetParent !== null && !el.closest('p, li.muted'))
  .map((el) => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
  .filter(([, height]) => height < 44)
"""


def signed_in_page(browser, live_server, scheme: str):
    context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in_on(page, live_server.url, "alice")
    return context, page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_control_is_a_44_px_target_and_text_is_readable(world, browser, live_server, scheme):
    context, page = signed_in_page(browser, live_server, scheme)
    try:
        for name in PAGES:
            page.goto(live_server.url + reverse(name))
            assert page.evaluate(SMALL_TARGETS_JS) == [], name
            colours = page.evaluate(
                "() => { const s = getComputedStyle(document.body);"
                " return [s.color, s.backgroundColor]; }"
            )
            assert page.evaluate(CONTRAST_JS, colours) >= 7, (name, colours)
            muted = page.evaluate(
                "() => [getComputedStyle(document.querySelector('.topnav a')).color,"
                " getComputedStyle(document.querySelector('.topbar')).backgroundColor]"
            )
            assert page.evaluate(CONTRAST_JS, muted) >= 4.5, (name, muted)
    finally:
        context.close()


def test_the_dark_theme_follows_the_system_setting(world, browser, live_server):
    backgrounds = {}
    for scheme in ("light", "dark"):
        context, page = signed_in_page(browser, live_server, scheme)
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        context.close()
    assert backgrounds["light"] != backgrounds["dark"]
    white = "rgb(255, 255, 255)"
    context, page = signed_in_page(browser, live_server, "dark")
    try:
        assert page.evaluate(CONTRAST_JS, [backgrounds["dark"], white]) > 12  # a dark page
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_stands_out_from_the_page(world, browser, live_server, scheme):
    context, page = signed_in_page(browser, live_server, scheme)
    try:
        page.goto(live_server.url + reverse("integrations:index"))
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")
        ring = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineColor, s.outlineStyle, s.outlineWidth]; }"
        )
        assert ring[1] == "solid" and float(ring[2].rstrip("px")) >= 2
        background = page.evaluate(
            "getComputedStyle(document.querySelector('.topbar')).backgroundColor"
        )
        assert page.evaluate(CONTRAST_JS, [ring[0], background]) >= 3, (ring, background)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("form", "button", "javascript"),
    [
        ("datasets:dataset_create", "Add dataset", True),
        ("datasets:dataset_create", "Add dataset", False),
        ("datasets:api_key_create", "Create API key", True),  # an htmx swap
        ("datasets:api_key_create", "Create API key", False),
    ],
)
def test_a_failed_submit_moves_focus_to_a_summary_linking_to_each_field(
    world, browser, live_server, form, button, javascript
):
    context = browser.new_context(
        viewport={"width": 375, "height": 700}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in_on(page, live_server.url, "alice")
        page.goto(live_server.url + reverse(form))
        page.get_by_label("Name", exact=True).fill("")
        page.get_by_role("button", name=button).click()
        summary = page.get_by_test_id("error-summary")
        summary.wait_for()
        # Chromium runs autofocus at its next rendering step, after the element is in the DOM.
        page.wait_for_function("document.activeElement?.dataset.testid === 'error-summary'")
        box = summary.bounding_box()
        assert box is not None and box["y"] < 700  # on screen, not below the fold
        first = summary.get_by_role("link").first
        target = first.get_attribute("href")
        first.click()
        assert page.evaluate("'#' + document.activeElement.id") == target
    finally:
        context.close()


def test_on_a_phone_the_delivery_log_shows_every_column_without_scrolling_sideways(
    world, browser, live_server
):
    from django.utils import timezone

    from integrations.models import Delivery
    from tests.integrations.delivery_support import ledger_rows
    from tests.support.connections import connection_make

    connection = connection_make(world.acme, applications=[world.sales])
    ledger_rows(
        connection,
        [timezone.now()],
        outcome=Delivery.Outcome.FAILED,
        http_status=500,
        detail="The service answered 500",
        user=world.victor,
        widget_label="Refresh forecast",
    )
    context, page = signed_in_page(browser, live_server, "light")
    try:
        page.goto(live_server.url + reverse("integrations:delivery_log_all"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 376
        outcome = page.locator("td[data-label=Outcome]")
        assert outcome.is_visible()
        box = outcome.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 376
        assert "The service answered 500" in outcome.inner_text()
        label = outcome.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert label == '"Outcome"'
    finally:
        context.close()


def test_on_a_phone_each_api_key_shows_its_actions_on_screen(world, browser, live_server):
    import datetime

    from django.utils import timezone

    from datasets.api_key_services import api_key_create
    from datasets.models import ApiKey

    api_key_create(
        workspace=world.acme,
        name="Nightly pipeline",
        key_type=ApiKey.KeyType.IMPORT,
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        created_by=world.alice,
    )
    context, page = signed_in_page(browser, live_server, "light")
    try:
        page.goto(live_server.url + reverse("datasets:api_keys"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 376
        for name in ("Edit Nightly pipeline", "Delete Nightly pipeline"):
            box = page.get_by_role("link", name=name).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 376, name
    finally:
        context.close()
