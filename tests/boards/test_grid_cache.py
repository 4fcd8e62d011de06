"""A board's grid is drawn once per stamp and kept (boards/grid_cache.py): what people see is
still what is true now, and every form on it carries the viewer's own CSRF token."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from boards.models import Widget
from boards.services import widget_create
from integrations.services.connections import connection_update
from tests.boards.conftest import add_action, dataset_import

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def table(world, dataset) -> Widget:
    return widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=dataset)


def test_each_viewer_gets_their_own_token_in_a_kept_grid(world, table, connection):
    widget = add_action(world.sales_board, connection, button_label="Refresh")
    url = reverse("boards:edit", args=[world.sales_board.pk])
    first = _page(_client(world.alice), url)  # draws the grid
    erin = _client(world.erin)
    page = _page(erin, url)  # from the kept grid

    assert 'value="csrf-slot"' not in first + page
    move = reverse("boards:widget_move", args=[world.sales_board.pk, widget.pk])
    form = page[page.index(f'action="{move}"') :]
    token = TOKEN.search(form).group(1)
    assert token not in first
    response = erin.post(move, {"step": "down", "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)  # accepted: not a CSRF failure
    assert Widget.objects.get(pk=widget.pk).grid_y > 0


def test_another_persons_token_from_a_kept_grid_is_refused(world, connection):
    widget = add_action(world.sales_board, connection, button_label="Refresh")
    url = reverse("boards:edit", args=[world.sales_board.pk])
    alices = TOKEN.findall(_page(_client(world.alice), url))[0]
    erin = _client(world.erin)
    _page(erin, url)
    move = reverse("boards:widget_move", args=[world.sales_board.pk, widget.pk])
    assert erin.post(move, {"step": "down", "csrfmiddlewaretoken": alices}).status_code == 403


def test_an_import_after_the_grid_was_kept_shows_at_once(world, dataset, table):
    url = reverse("boards:detail", args=[world.sales_board.pk])
    assert "Westland" not in _page(world.client_for("victor"), url)
    dataset_import(dataset, [{"region": "Westland", "revenue": 5}])
    assert "Westland" in _page(world.client_for("victor"), url)


def test_a_renamed_connection_shows_on_its_buttons(world, connection):
    add_action(world.sales_board, connection)  # no words of its own: it says the name
    connection.created_by = world.alice
    connection.save(update_fields=["created_by"])
    url = reverse("boards:detail", args=[world.sales_board.pk])
    assert "Forecast pipeline" in _page(world.client_for("victor"), url)
    connection_update(
        connection=connection,
        actor=world.alice,
        name="Forecast pipeline v2",
        applications=[world.sales],
        url=connection.url,
    )
    assert "Forecast pipeline v2" in _page(world.client_for("victor"), url)


def test_a_dataset_renamed_in_the_admin_shows_on_its_untitled_table(
    world, dataset, table, admin_client
):
    url = reverse("boards:detail", args=[world.sales_board.pk])
    assert "Forecast" in _page(world.client_for("victor"), url)
    change = reverse("admin:datasets_dataset_change", args=[dataset.pk])
    form = {
        "workspace": dataset.workspace_id,
        "name": "Quarterly outlook",
        "applications": [world.sales.pk],
        "row_generation": dataset.row_generation,
        "row_end": dataset.row_end,
        "columns-TOTAL_FORMS": "0",
        "columns-INITIAL_FORMS": "0",
        "columns-MIN_NUM_FORMS": "0",
        "columns-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(change, form)
    assert response.status_code == 302, re.findall(
        r'class="errorlist[^>]*>(.*?)</ul>', response.content.decode()
    )
    assert "Quarterly outlook" in _page(world.client_for("victor"), url)


def test_words_that_look_like_the_token_slot_stay_words(world):
    slot = '<input type="hidden" name="csrfmiddlewaretoken" value="csrf-slot">'
    widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text=slot)
    url = reverse("boards:detail", args=[world.sales_board.pk])
    _page(world.client_for("alice"), url)
    page = _page(world.client_for("victor"), url)
    assert "&lt;input type=&quot;hidden&quot; name=&quot;csrfmiddlewaretoken&quot;" in page
    assert "csrf-slot" in page
