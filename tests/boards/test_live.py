"""Live boards: the once-a-second change check is cheap when nothing changed, and brings the new
data when an import finished."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from boards.models import Widget
from boards.selectors import board_change_stamp
from boards.services import widget_create
from tests.boards.conftest import add_action, add_kpi, dataset_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def table(world, dataset):
    return widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=dataset)


@pytest.fixture
def kpi(world, dataset):
    return add_kpi(world, dataset)


def current_stamp(world, persona="victor") -> str:
    html = world.client_for(persona).get(reverse("boards:detail", args=[world.sales_board.pk]))
    return re.search(r'data-stamp="([^"]+)"', html.content.decode()).group(1)


def check(client, world, since):
    url = reverse("boards:changes", args=[world.sales_board.pk])
    return client.get(url, {"since": since}, headers={"HX-Request": "true"})


def test_it_polls_every_second_with_the_stamp(world, table):
    html = world.client_for("victor").get(reverse("boards:detail", args=[world.sales_board.pk]))
    stamp = board_change_stamp(board=world.sales_board)
    changes = reverse("boards:changes", args=[world.sales_board.pk])
    assert f'hx-get="{changes}?since={stamp}"' in html.content.decode()
    assert 'hx-trigger="every 1s"' in html.content.decode()


def test_it_answers_no_change_without_rendering_and_in_one_query(
    world, table, kpi, django_assert_num_queries
):
    since = current_stamp(world)
    client = world.client_for("victor")
    # The session and the user, then one query for permission and stamp together.
    with django_assert_num_queries(3):
        response = check(client, world, since)
    assert response.status_code == 204
    assert response.content == b""
    assert response.templates == []


def test_it_sends_the_new_rows_after_an_import(world, dataset, table, kpi):
    since = current_stamp(world)
    dataset_import(dataset, [{"region": "West", "revenue": 999.5}])
    response = check(world.client_for("victor"), world, since)
    html = response.content.decode()
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "boards/changes.html"
    assert "<td>West</td>" in html and '<td class="num">999.5</td>' in html
    assert ">3,000</p>" in html  # the KPI: 1,200.5 + 800 + 999.5
    assert f'<article id="widget-{table.pk}"' in html
    assert html.count('hx-swap-oob="true"') == 2
    new_stamp = re.search(r'data-stamp="([^"]+)"', html).group(1)
    assert new_stamp != since
    # Asked again with the new stamp: nothing more to send.
    assert check(world.client_for("victor"), world, new_stamp).status_code == 204


def test_it_leaves_action_buttons_alone_when_only_data_changed(world, dataset, table, connection):
    action = add_action(world.sales_board, connection, button_label="Refresh forecast")
    since = current_stamp(world)
    dataset_import(dataset, [{"region": "West", "revenue": 1}])
    html = check(world.client_for("victor"), world, since).content.decode()
    assert f'id="widget-{action.pk}' not in html
    assert "Refresh forecast" not in html


def test_it_notices_an_import_into_any_dataset_on_the_board(world, make_dataset):
    ahead = make_dataset("Ahead", rows=[{"region": "A", "revenue": 1}], version=5)
    behind = make_dataset("Behind", rows=[{"region": "B", "revenue": 2}], version=1)
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=ahead)
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=behind)
    since = current_stamp(world)
    dataset_import(behind, [{"region": "Fresh", "revenue": 3}])
    html = check(world.client_for("victor"), world, since).content.decode()
    assert "<td>Fresh</td>" in html


def test_it_ignores_imports_into_datasets_not_on_the_board(world, table, make_dataset):
    elsewhere = make_dataset("Elsewhere")
    since = current_stamp(world)
    dataset_import(elsewhere, [{"region": "X", "revenue": 1}])
    assert check(world.client_for("victor"), world, since).status_code == 204


def test_it_redraws_the_whole_grid_when_widgets_change(world, table):
    since = current_stamp(world)
    widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="Just added")
    html = check(world.client_for("victor"), world, since).content.decode()
    assert '<div id="board-grid" class="board-grid" hx-swap-oob="true"' in html
    assert "Just added" in html
    # Viewers get the plain grid, not Edit mode's controls.
    assert "Move up" not in html


def test_it_notices_a_dataset_deleted_from_under_a_widget(world, dataset, table):
    since = current_stamp(world)
    dataset.delete()
    html = check(world.client_for("victor"), world, since).content.decode()
    assert "This table's dataset was removed." in html


def test_it_sends_everything_for_a_missing_or_garbled_stamp(world, table):
    for since in ("", "garbage"):
        html = check(world.client_for("victor"), world, since).content.decode()
        assert 'id="board-grid"' in html


def test_it_answers_the_same_for_every_viewer(world, dataset, table):
    since = current_stamp(world, "alice")
    assert since == current_stamp(world, "erin") == current_stamp(world, "victor")
    dataset_import(dataset, [{"region": "West", "revenue": 1}])
    for persona in ("alice", "erin", "victor"):
        assert "<td>West</td>" in check(world.client_for(persona), world, since).content.decode()


def test_it_sends_an_expired_session_to_sign_in_rather_than_into_the_page(world):
    response = check(world.client_for("anonymous"), world, "0-0-0")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("url_name", ["boards:detail", "boards:changes"])
def test_it_sends_a_garbled_current_url_to_sign_in_rather_than_failing(world, url_name):
    url = reverse(url_name, args=[world.sales_board.pk])
    headers = {"HX-Request": "true", "HX-Current-URL": "http://[::1"}
    response = world.client_for("anonymous").get(url, headers=headers)
    assert response.status_code == 200
    # Back to the page that was asked for, since the one htmx named cannot be read.
    assert response["HX-Redirect"] == reverse("login") + "?next=" + quote(url)
