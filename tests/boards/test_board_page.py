"""The board page: what each kind of widget shows, and that a broken widget never breaks it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boards.models import Widget
from boards.services import widget_create
from tests.boards.conftest import SECRET_BODY, SECRET_HEADER, add_action, add_kpi

pytestmark = pytest.mark.django_db


def board_html(world, persona="victor", board=None) -> str:
    response = world.client_for(persona).get(
        reverse("boards:detail", args=[(board or world.sales_board).pk])
    )
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_an_empty_board(world):
    html = board_html(world)
    assert "Sales Forecast" in html
    assert "This board has no widgets yet." in html


def test_it_shows_the_action_button_with_its_label_and_tooltip(world, action_widget):
    html = board_html(world)
    assert "Refresh forecast" in html
    tooltip = f"widget-{action_widget.pk}-tooltip"
    assert f'aria-describedby="{tooltip}"' in html
    assert (
        f'role="tooltip" id="{tooltip}" data-testid="action-tooltip">Runs the forecast pipeline<'
        in html
    )
    assert reverse("boards:widget_click", args=[world.sales_board.pk, action_widget.pk]) in html
    # Outcomes land in a live region, so screen readers read them out.
    assert (
        f'<div id="widget-{action_widget.pk}-action" class="action-region" aria-live="polite">'
        in html
    )


def test_it_never_shows_connection_secrets(world, action_widget):
    for persona in ("alice", "erin", "victor"):
        html = board_html(world, persona)
        assert SECRET_HEADER not in html
        assert "s3cret-body-value" not in html and SECRET_BODY not in html
        assert "/forecast/run" not in html


def test_it_offers_edit_only_to_those_who_may_configure(world):
    assert "Edit</a>" in board_html(world, "alice")
    assert "Edit</a>" in board_html(world, "erin")
    assert "Edit</a>" not in board_html(world, "victor")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("disable", "This action is unavailable: its connection is disabled."),
        ("delete", "This action is unavailable: its connection was removed."),
        (
            "unshare",
            "This action is unavailable: its connection is not shared with this application.",
        ),
    ],
)
def test_it_shows_an_action_as_unavailable_when_its_connection_changes(
    world, connection, action_widget, change, message
):
    if change == "disable":
        connection.enabled = False
        connection.save()
    elif change == "delete":
        connection.delete()
    else:
        connection.applications.set([world.workforce])
    html = board_html(world)
    assert message in html
    # Drawn as a disabled button, with no form that could send.
    assert reverse("boards:widget_click", args=[world.sales_board.pk, action_widget.pk]) not in html


def test_it_escapes_text_and_keeps_line_breaks(world):
    widget_create(
        board=world.sales_board,
        kind=Widget.Kind.TEXT,
        title="Read me",
        text="First line\n<script>alert(1)</script>",
    )
    html = board_html(world)
    assert "First line<br>&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_it_shows_a_table_of_the_dataset(world, dataset):
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=dataset)
    html = board_html(world)
    assert '<th scope="col">region</th>' in html
    assert '<th scope="col" class="num">revenue</th>' in html
    assert '<td class="num">1,200.5</td>' in html
    assert "<td>South</td>" in html
    assert "Updated <time" in html


def test_it_shows_the_first_25_rows_and_how_many_there_are(world, make_dataset):
    rows = [{"region": f"R{i:03}", "revenue": i} for i in range(40)]
    dataset = make_dataset("Big", rows=rows)
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=dataset)
    html = board_html(world)
    assert "R024" in html and "R025" not in html
    assert "First 25 of 40 rows" in html


def test_it_says_when_a_table_has_no_rows_yet(world, make_dataset):
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=make_dataset("Empty"))
    html = board_html(world)
    assert "No rows yet. They appear here when data is imported." in html
    assert "No data imported yet" in html


@pytest.mark.parametrize(
    ("column", "aggregate", "shown"),
    [
        ("revenue", "sum", "2,000.50"),
        ("revenue", "average", "1,000.25"),
        ("revenue", "count", "2"),
        ("region", "count", "3"),
        ("region", "latest", "East"),
        ("revenue", "latest", "800"),
    ],
)
def test_it_shows_a_kpi(world, dataset, column, aggregate, shown):
    add_kpi(world, dataset, column, aggregate)
    html = board_html(world)
    assert f'<p class="kpi-value" data-testid="kpi-value">{shown}</p>' in html


def test_it_adds_without_float_noise(world, make_dataset):
    dataset = make_dataset(rows=[{"region": "A", "revenue": 0.1}, {"region": "B", "revenue": 0.2}])
    add_kpi(world, dataset)
    assert ">0.30</p>" in board_html(world)


def test_it_survives_a_dataset_deleted_or_reshaped_under_its_widgets(world, dataset):
    widget_create(board=world.sales_board, kind=Widget.Kind.TABLE, dataset=dataset)
    add_kpi(world, dataset)
    dataset.columns.filter(name="revenue").update(kind="text")
    assert "The column revenue no longer holds numbers." in board_html(world)
    dataset.delete()
    html = board_html(world)
    assert "This table's dataset was removed." in html
    assert "This figure's dataset was removed." in html


def test_it_lists_widgets_in_their_order(world, connection):
    add_action(world.sales_board, connection, button_label="First button")
    widget_create(board=world.sales_board, kind=Widget.Kind.TEXT, text="Second text")
    html = board_html(world)
    assert html.index("First button") < html.index("Second text")
