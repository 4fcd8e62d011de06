"""The boards services' own rules, for callers that do not go through the forms (seeding, say)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from boards.models import Widget
from boards.services import (
    ConfirmationNeeded,
    WidgetUnavailable,
    widget_click,
    widget_create,
)
from integrations.models import Delivery
from tests.boards.conftest import SECRET_BODY, SECRET_HEADER, add_action
from tests.support.personas import superuser_make

pytestmark = pytest.mark.django_db


def error_for(field, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        widget_create(**kwargs)
    return " ".join(caught.value.message_dict[field])


def test_it_refuses_connections_the_board_may_not_use(world, make_connection):
    board = world.sales_board
    off = make_connection("Off", enabled=False)
    elsewhere = make_connection("Elsewhere", applications=[world.workforce])
    theirs = make_connection("Theirs", workspace=world.globex, applications=[world.globex_app])
    assert error_for("connection", board=board, kind="action", connection=off) == (
        "Off is disabled. Choose an enabled connection."
    )
    assert error_for("connection", board=board, kind="action", connection=elsewhere) == (
        "Elsewhere is not shared with Sales Planning."
    )
    # Another workspace's connection is not named back.
    assert error_for("connection", board=board, kind="action", connection=theirs) == (
        "Choose one of the connections listed."
    )
    assert error_for("connection", board=board, kind="action") == (
        "Choose the API request connection to send."
    )
    assert not Widget.objects.exists()


def test_it_refuses_datasets_and_columns_that_do_not_fit(world, dataset, make_dataset):
    board = world.sales_board
    theirs = make_dataset("Theirs", workspace=world.globex)
    assert error_for("dataset", board=board, kind="table", dataset=theirs) == (
        "Choose one of this workspace's datasets."
    )
    assert error_for(
        "kpi_column",
        board=board,
        kind="kpi",
        dataset=dataset,
        kpi_column="nope",
        kpi_aggregate="count",
    ) == ("Forecast has no column named nope.")
    assert error_for(
        "kpi_aggregate", board=board, kind="kpi", dataset=dataset, kpi_column="revenue"
    ) == ("Choose sum, average, count or latest.")
    assert error_for("kind", board=board, kind="chart") == "Choose Action, Text, Table or KPI."


def test_it_refuses_a_dataset_not_shared_with_the_boards_application(world, make_dataset):
    workforce_only = make_dataset("Headcount", applications=[world.workforce])
    assert error_for("dataset", board=world.sales_board, kind="table", dataset=workforce_only) == (
        "That dataset is not shared with this application. Choose one listed."
    )
    widget = widget_create(board=world.workforce_board, kind="table", dataset=workforce_only)
    assert widget.dataset == workforce_only


def test_it_keeps_only_the_fields_of_the_widgets_kind(world, connection, dataset):
    widget = widget_create(
        board=world.sales_board, kind="text", text="Hi", connection=connection, dataset=dataset
    )
    assert (widget.connection, widget.dataset) == (None, None)


def test_it_refuses_to_click_an_unavailable_widget_and_records_the_click(
    world, connection, action_widget
):
    connection.enabled = False
    connection.save()
    with pytest.raises(WidgetUnavailable, match="its connection is disabled"):
        widget_click(user=world.victor, board=world.sales_board, widget=action_widget)
    assert list(Delivery.objects.values_list("outcome", "counts_toward_quota")) == [
        ("blocked", False)
    ]


def test_it_records_a_click_on_a_widget_whose_connection_was_deleted(
    world, connection, action_widget
):
    connection.delete()
    action_widget.refresh_from_db()
    with pytest.raises(WidgetUnavailable, match="its connection was removed"):
        widget_click(user=world.victor, board=world.sales_board, widget=action_widget)
    delivery = Delivery.objects.get()
    assert (delivery.outcome, delivery.connection, delivery.connection_name) == (
        "blocked",
        None,
        "(deleted connection)",
    )
    assert (delivery.workspace, delivery.widget_id) == (world.acme, action_widget.pk)


def test_it_sends_nothing_for_an_unconfirmed_click_on_a_widget_that_asks_first(world, connection):
    widget = add_action(
        world.sales_board, connection, confirm_before_sending=True, confirmation_message="Sure?"
    )
    with pytest.raises(ConfirmationNeeded):
        widget_click(user=world.victor, board=world.sales_board, widget=widget)
    assert not Delivery.objects.exists()


def test_it_keeps_secrets_out_of_the_django_admin(world, connection):
    widget = add_action(world.sales_board, connection, button_label="Go")
    client = world.client_for("alice")
    client.force_login(superuser_make())
    for url in (
        reverse("admin:boards_board_changelist"),
        reverse("admin:boards_board_change", args=[world.sales_board.pk]),
        reverse("admin:boards_widget_changelist"),
        reverse("admin:boards_widget_change", args=[widget.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert SECRET_HEADER not in html and "s3cret-body-value" not in html
        assert SECRET_BODY not in html
