"""The inspector: + Add a Widget and Edit answered as panels for htmx, the live preview (which saves
nothing), errors back in the panel, saves that redraw the grid, and the same permissions as the
pages. The pages themselves (no JavaScript) are tests/boards/test_edit_mode.py's."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from boards.models import Board, Widget
from boards.services import widget_create
from tests.boards.conftest import add_action, add_kpi

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def board_url(world, name: str, *args) -> str:
    return reverse(f"boards:{name}", args=[world.sales_board.pk, *args])


def layout_version(board: Board) -> int:
    board.refresh_from_db()
    return board.layout_version


def test_it_gives_the_board_an_empty_panel_and_links_htmx_opens_in_it(world, action_widget):
    html = world.client_for("erin").get(board_url(world, "edit")).content.decode()
    assert '<div id="inspector-body" class="inspector-body"></div>' in html
    add = board_url(world, "widget_add_choose")
    edit = board_url(world, "widget_edit", action_widget.pk)
    # The hrefs stay (no JavaScript); hx-get swaps the same URL's panel into the inspector.
    assert f'href="{add}" hx-get="{add}" hx-target="#inspector-body"' in html
    assert f'href="{edit}" hx-get="{edit}" hx-target="#inspector-body"' in html


def test_it_leaves_the_panel_off_the_board_outside_edit_mode(world, action_widget):
    html = world.client_for("erin").get(board_url(world, "detail")).content.decode()
    assert 'id="inspector"' not in html


def test_it_answers_the_kind_choice_as_a_panel(world):
    response = world.client_for("erin").get(board_url(world, "widget_add_choose"), headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert '<h2 id="inspector-heading" tabindex="-1">+ Add a Widget</h2>' in html
    # In the panel, Action goes straight to the API request form (the only kind of Action).
    assert f'hx-get="{board_url(world, "widget_add", "api-request")}"' in html
    for kind in ("Action", "Text", "Table", "KPI"):
        assert f">{kind}</a>" in html
    assert "HX-Request" in response["Vary"]


def test_it_still_answers_the_full_pages_without_htmx(world):
    client = world.client_for("erin")
    choose = client.get(board_url(world, "widget_add_choose"))
    form = client.get(board_url(world, "widget_add", "api-request"))
    assert (
        "<html" in choose.content.decode()
        and 'id="inspector-heading"' not in choose.content.decode()
    )
    assert '<h1 id="form-heading">Add a widget: Action: API request</h1>' in form.content.decode()
    assert "HX-Request" in form["Vary"]


def test_it_answers_the_action_form_as_a_panel_with_a_preview(world, connection):
    response = world.client_for("erin").get(
        board_url(world, "widget_add", "api-request"), headers=HTMX
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "Add a widget: Action: API request" in html
    assert f'hx-post="{board_url(world, "widget_add", "api-request")}"' in html
    assert f'hx-post="{board_url(world, "widget_preview", "api-request")}"' in html
    assert html.index("API request connection") < html.index("Button label")
    assert html.index("Button label") < html.index("Button tooltip")
    assert "Ask for confirmation before sending" in html and "Add to Board" in html
    # Nothing chosen yet: the preview says what is missing.
    assert "Choose the API request connection this button sends." in html
    assert 'data-testid="error-summary"' not in html


def test_it_answers_edit_as_a_panel_with_the_widget_s_values(world, action_widget):
    response = world.client_for("erin").get(
        board_url(world, "widget_edit", action_widget.pk), headers=HTMX
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "Edit widget: Action: API request" in html
    assert 'value="Refresh forecast"' in html
    assert f'hx-post="{board_url(world, "widget_edit", action_widget.pk)}"' in html
    assert 'data-testid="preview-button">Refresh forecast</span>' in html
    assert "Runs the forecast pipeline</span>" in html
    assert ">Save</button>" in html


def test_the_preview_draws_the_action_button_without_saving(world, connection):
    before = layout_version(world.sales_board)
    response = world.client_for("erin").post(
        board_url(world, "widget_preview", "api-request"),
        {
            "connection": connection.pk,
            "button_label": "Run forecast",
            "button_tooltip": "Starts the pipeline",
            "confirm_before_sending": "on",
            "confirmation_message": "Run it now?",
        },
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="preview-button">Run forecast</span>' in html
    assert "Starts the pipeline</span>" in html
    assert "Asks first: “Run it now?”" in html
    assert "Sends to Forecast pipeline." in html
    assert not Widget.objects.exists()
    assert layout_version(world.sales_board) == before


def test_the_preview_of_text_shows_the_text(world):
    response = world.client_for("erin").post(
        board_url(world, "widget_preview", "text"), {"title": "Read me", "text": "Line 1\nLine 2"}
    )
    html = response.content.decode()
    assert '<p class="widget-title">Read me</p>' in html
    assert "Line 1<br>Line 2" in html
    assert not Widget.objects.exists()


def test_the_preview_of_a_table_shows_its_rows_or_asks_for_a_dataset(world, dataset):
    client = world.client_for("erin")
    empty = client.post(board_url(world, "widget_preview", "table"), {}).content.decode()
    assert "Choose a dataset to see its data." in empty
    html = client.post(
        board_url(world, "widget_preview", "table"), {"dataset": dataset.pk}
    ).content.decode()
    assert 'data-testid="table-widget"' in html
    assert "North" in html and "South" in html
    assert not Widget.objects.exists()


def test_the_preview_of_a_kpi_shows_the_figure_once_its_column_is_chosen(
    world, dataset, make_dataset
):
    other = make_dataset("Staff", columns=[("headcount", "number")])
    client = world.client_for("erin")
    url = board_url(world, "widget_preview", "kpi")
    wrong = client.post(
        url, {"dataset": dataset.pk, "kpi_column": "headcount", "kpi_aggregate": "sum"}
    )
    assert "Choose one of the columns of Forecast." in wrong.content.decode()
    right = client.post(
        url, {"dataset": dataset.pk, "kpi_column": "revenue", "kpi_aggregate": "sum"}
    ).content.decode()
    assert 'data-testid="kpi-value"' in right and "2,000.5" in right
    assert other.pk and not Widget.objects.exists()


def test_errors_come_back_in_the_panel_with_the_summary(world, connection):
    response = world.client_for("erin").post(
        board_url(world, "widget_add", "api-request"), {"button_label": "Run"}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="inspector-heading"' in html
    assert 'data-testid="error-summary"' in html and "autofocus" in html
    assert "Choose the API request connection this button sends." in html
    assert 'value="Run"' in html
    assert "HX-Retarget" not in response
    assert not Widget.objects.exists()


def test_adding_from_the_panel_redraws_the_grid_and_closes_it(world, connection):
    before = layout_version(world.sales_board)
    add_action(world.sales_board, connection, button_label="First")
    response = world.client_for("erin").post(
        board_url(world, "widget_add", "api-request"),
        {"connection": connection.pk, "button_label": "Refresh forecast"},
        headers=HTMX,
    )
    widget = Widget.objects.get(button_label="Refresh forecast")
    html = response.content.decode()
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#board-grid", "outerHTML")
    event = json.loads(response["HX-Trigger-After-Settle"])["inspector-saved"]
    assert event == {"widget": widget.pk, "message": "Action widget added to the board."}
    assert html.lstrip().startswith('<div id="board-grid"')
    assert f'id="widget-{widget.pk}"' in html and f'id="widget-{widget.pk}-edit"' in html
    # Where widget_place_new put it: beside the first 3×2 Action.
    assert (widget.grid_x, widget.grid_y) == (3, 0)
    assert 'gs-x="3" gs-y="0"' in html
    assert layout_version(world.sales_board) > before
    # No flash message left for the next page: the panel said it.
    edit = world.client_for("erin").get(board_url(world, "edit")).content.decode()
    assert "widget added to the board" not in edit


def test_saving_an_edit_from_the_panel_updates_the_widget(world, action_widget):
    response = world.client_for("erin").post(
        board_url(world, "widget_edit", action_widget.pk),
        {"connection": action_widget.connection_id, "button_label": "Run it again"},
        headers=HTMX,
    )
    action_widget.refresh_from_db()
    assert action_widget.button_label == "Run it again"
    assert response["HX-Retarget"] == "#board-grid"
    assert "Run it again" in response.content.decode()
    event = json.loads(response["HX-Trigger-After-Settle"])["inspector-saved"]
    assert event == {"widget": action_widget.pk, "message": "Widget saved."}


def test_an_edit_with_errors_stays_in_the_panel_unsaved(world, dataset):
    widget = add_kpi(world, dataset)
    response = world.client_for("erin").post(
        board_url(world, "widget_edit", widget.pk),
        {"dataset": dataset.pk, "kpi_column": "region", "kpi_aggregate": "sum"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert 'data-testid="error-summary"' in html
    assert "Sum needs a number column" in html
    widget.refresh_from_db()
    assert widget.kpi_column == "revenue"


@pytest.mark.parametrize("persona", ["victor", "oscar"])
@pytest.mark.parametrize(
    ("method", "name", "slug"),
    [
        ("get", "widget_add_choose", None),
        ("get", "widget_add", "api-request"),
        ("post", "widget_add", "text"),
        ("post", "widget_preview", "text"),
    ],
)
def test_only_builders_reach_the_panels(world, persona, method, name, slug):
    url = board_url(world, name, *([slug] if slug else []))
    client = world.client_for(persona)
    response = getattr(client, method)(
        url, {"text": "Hello"} if method == "post" else {}, headers=HTMX
    )
    assert response.status_code == 404
    assert not Widget.objects.exists()


@pytest.mark.parametrize("persona", ["victor", "oscar"])
def test_only_builders_reach_the_edit_panel(world, action_widget, persona):
    client = world.client_for(persona)
    url = board_url(world, "widget_edit", action_widget.pk)
    assert client.get(url, headers=HTMX).status_code == 404
    response = client.post(url, {"button_label": "Hijacked"}, headers=HTMX)
    assert response.status_code == 404
    action_widget.refresh_from_db()
    assert action_widget.button_label == "Refresh forecast"


def test_the_preview_of_another_workspace_s_board_is_a_404(world):
    widget_create(board=world.globex_board, kind=Widget.Kind.TEXT, text="Globex note")
    url = reverse("boards:widget_preview", args=[world.globex_board.pk, "text"])
    assert world.client_for("erin").post(url, {"text": "x"}).status_code == 404
    assert world.client_for("alice").post(url, {"text": "x"}).status_code == 404


def test_the_preview_of_an_unknown_kind_is_a_404(world):
    url = board_url(world, "widget_preview", "gauge")
    assert world.client_for("erin").post(url, {}).status_code == 404


def test_the_preview_refuses_a_get(world):
    assert (
        world.client_for("erin").get(board_url(world, "widget_preview", "text")).status_code == 405
    )


def test_the_preview_does_not_list_another_workspace_s_connection(world, make_connection):
    globex = make_connection("Globex hook", workspace=world.globex, applications=[world.globex_app])
    html = (
        world.client_for("erin")
        .post(
            board_url(world, "widget_preview", "api-request"),
            {"connection": globex.pk, "button_label": "Sneaky"},
        )
        .content.decode()
    )
    assert "Globex hook" not in html
    assert "Choose the API request connection this button sends." in html
