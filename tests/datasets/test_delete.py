"""Deleting a dataset or an import configuration, after a confirmation that says what goes."""

import pytest
from django.test import Client
from django.urls import reverse

from boards.models import Widget
from datasets.models import Dataset, DatasetColumn, DatasetRow, ImportConfiguration, ImportJob
from tests.datasets.conftest import GOOD_CSV, push

pytestmark = pytest.mark.django_db


@pytest.fixture
def table_widget(world, forecast) -> Widget:
    return Widget.objects.create(
        board=world.sales_board,
        kind=Widget.Kind.TABLE,
        title="Forecast table",
        dataset=forecast.dataset,
    )


def test_it_names_the_widgets_and_configurations_a_dataset_delete_affects(
    world, forecast, table_widget
):
    url = reverse("datasets:dataset_delete", args=[forecast.dataset.pk])
    page = world.client_for("alice").get(url).content.decode()
    assert "Delete dataset “Revenue forecast”?" in page
    assert "Table widget “Forecast table” on" in page
    assert (
        f'<a href="{reverse("boards:detail", args=[world.sales_board.pk])}">Sales Forecast</a>'
        in page
    )
    assert "(Sales Planning)" in page
    assert (
        f'Forecast push <span class="muted small">(id <code>{forecast.configuration.pk}</code>)'
        in page
    )


def test_it_says_when_no_widget_shows_the_dataset(world, forecast):
    url = reverse("datasets:dataset_delete", args=[forecast.dataset.pk])
    page = world.client_for("alice").get(url).content.decode()
    assert "No board widget shows this dataset." in page


def test_it_deletes_a_dataset_and_leaves_its_widgets_empty(world, forecast, table_widget):
    push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    client = world.client_for("alice")
    url = reverse("datasets:dataset_delete", args=[forecast.dataset.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("datasets:list"), 302)]
    assert "Dataset “Revenue forecast” deleted." in response.content.decode()
    assert not Dataset.objects.exists()
    assert not DatasetColumn.objects.exists() and not DatasetRow.objects.exists()
    assert not ImportConfiguration.objects.exists() and not ImportJob.objects.exists()
    table_widget.refresh_from_db()
    assert table_widget.dataset is None
    board = client.get(reverse("boards:detail", args=[world.sales_board.pk]))
    assert board.status_code == 200
    assert "Forecast table" in board.content.decode()


def test_it_deletes_an_import_configuration_and_keeps_the_dataset(world, forecast):
    push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    client = world.client_for("alice")
    url = reverse("datasets:import_configuration_delete", args=[forecast.configuration.pk])
    page = client.get(url).content.decode()
    assert "Delete import configuration “Forecast push”?" in page
    assert f"Services pushing to id <code>{forecast.configuration.pk}</code>" in page

    response = client.post(url, follow=True)
    assert "Import configuration “Forecast push” deleted." in response.content.decode()
    assert not ImportConfiguration.objects.exists() and not ImportJob.objects.exists()
    assert len(forecast.rows()) == 2
    answer = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert answer.status_code == 404


def test_the_list_links_to_adding_and_deleting(world, forecast):
    page = world.client_for("alice").get(reverse("datasets:list")).content.decode()
    assert "+ Add dataset" in page and reverse("datasets:dataset_create") in page
    assert "+ Add import configuration" in page
    assert reverse("datasets:import_configuration_create") in page
    assert reverse("datasets:dataset_delete", args=[forecast.dataset.pk]) in page
    assert reverse("datasets:import_configuration_delete", args=[forecast.configuration.pk]) in page
