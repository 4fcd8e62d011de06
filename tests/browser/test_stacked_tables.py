"""On a 375 px phone the audit trail and the datasets list show each row as a block of labelled
lines, the most telling one first: nothing is hidden behind a sideways scroll."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import sign_in_on
from tests.browser.test_accessibility import workspace_with_something_on_every_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375
# Sub-pixel rounding may report one pixel more than the viewport.
TOLERANCE = 1

LABEL_JS = "cell => getComputedStyle(cell, '::before').content"


@pytest.fixture
def phone(world, browser, live_server, public_dns):
    workspace_with_something_on_every_screen(world, public_dns)
    context = browser.new_context(viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in_on(page, live_server.url, "alice")
    yield page
    context.close()


def assert_fits(page) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= WIDTH + TOLERANCE, f"{page.url} is {scroll_width}px wide"
    overflowing = page.evaluate(
        "() => Array.from(document.querySelectorAll('.table-wrap'))"
        ".filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1).length"
    )
    assert overflowing == 0, f"{overflowing} table(s) on {page.url} scroll sideways"


def assert_on_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + TOLERANCE


def blocks(cells) -> list[tuple[str, float]]:
    """Each cell's label and its top, in the order the cells are in the row."""
    return [
        (cells.nth(i).evaluate(LABEL_JS), cells.nth(i).bounding_box()["y"])
        for i in range(cells.count())
    ]


def test_the_audit_trail_is_a_list_of_labelled_blocks_what_first(phone, live_server):
    phone.goto(live_server.url + reverse("integrations:audit_list"))
    assert_fits(phone)
    row = phone.locator("tbody tr").filter(has_text="Forecast pipeline").first
    cells = blocks(row.locator("td"))
    assert [label for label, _ in cells] == ['"When"', '"Who"', '"What"', '"Changes"']
    tops = dict(cells)
    assert tops['"What"'] < tops['"When"'] < tops['"Who"'] < tops['"Changes"']
    what = row.locator("td[data-label=What]")
    assert "Forecast pipeline" in what.inner_text()
    assert_on_screen(what)
    assert_on_screen(row.locator("td[data-label=Changes]"))


def test_the_datasets_list_shows_every_column_and_action_on_screen(phone, live_server):
    phone.goto(live_server.url + reverse("datasets:list"))
    assert_fits(phone)

    dataset = phone.get_by_role("region", name="Datasets").locator("tbody tr").first
    title = dataset.locator("td").first
    assert title.inner_text() == "Revenue forecast"
    assert title.evaluate(LABEL_JS) == "none"  # the block's title, no label
    assert_on_screen(title)
    labels = [label for label, _ in blocks(dataset.locator("td:not(:first-child)"))]
    assert labels == [
        '"Columns"',
        '"Rows"',
        '"Application access"',
        '"Last updated"',
        '"Actions"',
    ]
    assert "product line" in dataset.locator("td[data-label=Columns]").inner_text()
    for name in (
        "Application access of dataset Revenue forecast",
        "Delete dataset Revenue forecast",
        "Delete import configuration Nightly revenue",
    ):
        assert_on_screen(phone.get_by_role("link", name=name))

    imports = phone.get_by_role("region", name="Recent imports").locator("tbody tr").first
    status = imports.locator("td[data-label=Status]")
    assert status.inner_text() == "Failed"
    assert status.evaluate(LABEL_JS) == '"Status"'
    received = imports.locator("td[data-label=Received]").bounding_box()
    assert status.bounding_box()["y"] < received["y"]  # the outcome leads its block
    assert_on_screen(imports.locator("td[data-label=Errors]"))
