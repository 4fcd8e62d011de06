"""Edit mode: + Add a Widget → Action → API request → connection → Add to Board, and the rest."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boards.models import Board, Widget
from boards.services import widget_create
from tests.boards.conftest import add_action

pytestmark = pytest.mark.django_db


def layout_version(board: Board) -> int:
    board.refresh_from_db()
    return board.layout_version


def add_url(world, slug: str) -> str:
    return reverse("boards:widget_add", args=[world.sales_board.pk, slug])


def test_it_walks_from_edit_to_the_api_request_form(world, connection):
    client = world.client_for("erin")
    board = client.get(reverse("boards:detail", args=[world.sales_board.pk])).content.decode()
    assert reverse("boards:edit", args=[world.sales_board.pk]) in board
    edit = client.get(reverse("boards:edit", args=[world.sales_board.pk])).content.decode()
    assert "+ Add a Widget" in edit
    choose = client.get(reverse("boards:widget_add_choose", args=[world.sales_board.pk]))
    assert ">Action</a>" in choose.content.decode()
    action = client.get(
        reverse("boards:widget_add_choose", args=[world.sales_board.pk]) + "?kind=action"
    )
    assert ">API request</a>" in action.content.decode()
    form = client.get(add_url(world, "api-request")).content.decode()
    for label in (
        "API request connection",
        "Button label",
        "Button tooltip",
        "Ask for confirmation before sending",
        "Add to Board",
    ):
        assert label in form


def test_it_adds_an_action_widget(world, connection):
    before = layout_version(world.sales_board)
    response = world.client_for("erin").post(
        add_url(world, "api-request"),
        {
            "connection": connection.pk,
            "button_label": "Refresh forecast",
            "button_tooltip": "Runs the pipeline",
            "confirm_before_sending": "on",
            "confirmation_message": "Run the forecast now?",
        },
    )
    widget = Widget.objects.get(board=world.sales_board)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/edit/#widget-{widget.pk}")
    assert (widget.kind, widget.connection, widget.button_label) == (
        "action",
        connection,
        "Refresh forecast",
    )
    assert widget.button_tooltip == "Runs the pipeline"
    assert widget.confirm_before_sending and widget.confirmation_message == "Run the forecast now?"
    assert layout_version(world.sales_board) == before + 1


def test_it_lists_only_enabled_connections_shared_with_the_application(world, make_connection):
    make_connection("Shared and on")
    make_connection("Switched off", enabled=False)
    make_connection("Other application", applications=[world.workforce])
    make_connection("Not shared at all", applications=[])
    make_connection("Globex hook", workspace=world.globex, applications=[world.globex_app])
    form = world.client_for("alice").get(add_url(world, "api-request")).content.decode()
    assert "Shared and on" in form
    for hidden in ("Switched off", "Other application", "Not shared at all", "Globex hook"):
        assert hidden not in form


@pytest.mark.parametrize("which", ["disabled", "unshared", "globex"])
def test_it_refuses_a_connection_that_is_not_listed(world, make_connection, which):
    if which == "disabled":
        chosen = make_connection("Off", enabled=False)
    elif which == "unshared":
        chosen = make_connection("Elsewhere", applications=[world.workforce])
    else:
        chosen = make_connection("Theirs", workspace=world.globex, applications=[world.globex_app])
    response = world.client_for("alice").post(
        add_url(world, "api-request"), {"connection": chosen.pk}
    )
    assert response.status_code == 200
    assert (
        "That connection is no longer available here. Choose one listed."
        in response.content.decode()
    )
    assert not Widget.objects.exists()


def test_it_says_no_connection_is_shared_yet(world):
    form = world.client_for("erin").get(add_url(world, "api-request")).content.decode()
    assert "No API request connection is shared with Sales Planning yet." in form


def test_it_requires_a_connection(world, connection):
    response = world.client_for("erin").post(add_url(world, "api-request"), {"button_label": "Go"})
    assert "Choose the API request connection this button sends." in response.content.decode()
    assert not Widget.objects.exists()


def test_it_adds_a_text_widget(world):
    response = world.client_for("erin").post(
        add_url(world, "text"), {"title": "Notes", "text": "Hi"}
    )
    assert response.status_code == 302
    assert Widget.objects.get().text == "Hi"


def test_it_refuses_empty_text(world):
    response = world.client_for("erin").post(add_url(world, "text"), {"text": "   "})
    assert "Enter the text to show." in response.content.decode()
    assert not Widget.objects.exists()


def test_it_adds_a_table_of_a_workspace_dataset_only(world, dataset, make_dataset):
    theirs = make_dataset("Globex data", workspace=world.globex)
    client = world.client_for("erin")
    form = client.get(add_url(world, "table")).content.decode()
    assert "Forecast" in form and "Globex data" not in form
    refused = client.post(add_url(world, "table"), {"dataset": theirs.pk})
    assert "That dataset is not shared with this application." in refused.content.decode()
    assert client.post(add_url(world, "table"), {"dataset": dataset.pk}).status_code == 302
    assert Widget.objects.get().dataset == dataset


def test_it_adds_a_kpi(world, dataset):
    response = world.client_for("erin").post(
        add_url(world, "kpi"),
        {
            "title": "Revenue",
            "dataset": dataset.pk,
            "kpi_column": "revenue",
            "kpi_aggregate": "sum",
        },
    )
    assert response.status_code == 302
    widget = Widget.objects.get()
    assert (widget.kpi_column, widget.kpi_aggregate) == ("revenue", "sum")


@pytest.mark.parametrize(
    ("column", "aggregate", "message"),
    [
        ("region", "sum", "Sum needs a number column, and region is a text column."),
        ("region", "average", "Average needs a number column, and region is a text column."),
        ("profit", "count", "Choose one of the dataset&#x27;s columns."),
    ],
)
def test_it_refuses_a_kpi_column_that_does_not_fit(world, dataset, column, aggregate, message):
    response = world.client_for("erin").post(
        add_url(world, "kpi"),
        {"dataset": dataset.pk, "kpi_column": column, "kpi_aggregate": aggregate},
    )
    assert message in response.content.decode()
    assert not Widget.objects.exists()


def test_it_refuses_a_column_of_another_dataset(world, dataset, make_dataset):
    make_dataset("Costs", columns=[("cost", "number")])
    response = world.client_for("erin").post(
        add_url(world, "kpi"), {"dataset": dataset.pk, "kpi_column": "cost", "kpi_aggregate": "sum"}
    )
    assert "Forecast has no column named cost." in response.content.decode()
    assert not Widget.objects.exists()


def test_it_edits_a_widget(world, connection, make_connection):
    widget = add_action(world.sales_board, connection, button_label="Old")
    other = make_connection("Second pipeline")
    before = layout_version(world.sales_board)
    url = reverse("boards:widget_edit", args=[world.sales_board.pk, widget.pk])
    form = world.client_for("erin").get(url).content.decode()
    assert 'value="Old"' in form and "Save" in form
    response = world.client_for("erin").post(url, {"connection": other.pk, "button_label": "New"})
    assert response.status_code == 302
    widget.refresh_from_db()
    assert (widget.connection, widget.button_label) == (other, "New")
    assert layout_version(world.sales_board) == before + 1


def test_it_makes_the_editor_pick_again_when_the_connection_went_away(world, connection):
    widget = add_action(world.sales_board, connection)
    connection.enabled = False
    connection.save()
    url = reverse("boards:widget_edit", args=[world.sales_board.pk, widget.pk])
    response = world.client_for("erin").post(url, {"connection": connection.pk})
    assert "That connection is no longer available here." in response.content.decode()


def test_it_moves_widgets_on_the_grid_step_by_step(world):
    first = widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="one")
    second = widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="two")
    assert (second.grid_x, second.grid_y) == (6, 0)  # beside the first, 6 columns each
    before = layout_version(world.sales_board)
    url = reverse("boards:widget_move", args=[world.sales_board.pk, second.pk])
    response = world.client_for("erin").post(url, {"step": "left"})
    assert response.status_code == 302
    # Moved into the first one's columns: it takes the place, the first settles below.
    assert list(Widget.objects.values_list("text", "grid_x", "grid_y")) == [
        ("two", 5, 0),
        ("one", 0, 2),
    ]
    assert layout_version(world.sales_board) == before + 1
    # At the left edge already: nothing moves and nothing is bumped.
    edge = reverse("boards:widget_move", args=[world.sales_board.pk, first.pk])
    world.client_for("erin").post(edge, {"step": "left"})
    assert layout_version(world.sales_board) == before + 1


def test_it_steps_through_htmx_and_redraws_the_grid(world):
    widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="one")
    second = widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="two")
    url = reverse("boards:widget_move", args=[world.sales_board.pk, second.pk])
    response = world.client_for("erin").post(url, {"step": "wider"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board-grid"')
    assert html.index("two") < html.index("one")  # 7 columns wide: the first moved below
    assert " gw-7 " in html
    assert "<html" not in html


def test_it_refuses_a_step_that_is_not_one(world):
    widget = widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="one")
    url = reverse("boards:widget_move", args=[world.sales_board.pk, widget.pk])
    response = world.client_for("erin").post(url, {"step": "sideways"}, follow=True)
    assert "Move a widget left, right, up or down, or resize it." in response.content.decode()


def test_it_removes_a_widget_after_asking(world):
    widget = widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="bye")
    before = layout_version(world.sales_board)
    url = reverse("boards:widget_remove", args=[world.sales_board.pk, widget.pk])
    client = world.client_for("erin")
    assert "Remove this widget?" in client.get(url).content.decode()
    assert Widget.objects.exists()
    response = client.post(url, follow=True)
    assert "Widget removed from the board." in response.content.decode()
    assert not Widget.objects.exists()
    assert layout_version(world.sales_board) == before + 1


def test_it_cannot_touch_a_widget_through_another_board(world):
    widget = widget_create(board=world.workforce_board, kind=Widget.Kind.TEXT, text="keep")
    url = reverse("boards:widget_remove", args=[world.sales_board.pk, widget.pk])
    assert world.client_for("alice").post(url).status_code == 404
    assert Widget.objects.filter(pk=widget.pk).exists()


def test_it_shows_edit_controls_with_names_in_edit_mode(world, connection):
    add_action(world.sales_board, connection, title="Forecast")
    html = (
        world.client_for("erin")
        .get(reverse("boards:edit", args=[world.sales_board.pk]))
        .content.decode()
    )
    assert '<span class="visually-hidden">Move Forecast up</span>' in html
    assert '<span class="visually-hidden">Wider Forecast</span>' in html
    assert 'Remove<span class="visually-hidden"> Forecast</span>' in html
    # The preview button cannot send from Edit mode.
    assert (
        reverse("boards:widget_click", args=[world.sales_board.pk, Widget.objects.get().pk])
        not in html
    )
