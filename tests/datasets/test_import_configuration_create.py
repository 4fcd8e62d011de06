"""Integrations → Datasets → + Add import configuration."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from datasets.models import ImportConfiguration
from datasets.services import dataset_create, import_configuration_create
from tests.datasets.conftest import push

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("datasets:import_configuration_create")


def test_it_offers_this_workspaces_datasets_and_both_modes(world, forecast):
    dataset_create(workspace=world.globex, name="Globex numbers", columns=[("x", "text")])
    page = world.client_for("alice").get(CREATE_URL).content.decode()
    assert f'<option value="{forecast.dataset.pk}">Revenue forecast</option>' in page
    assert "Globex numbers" not in page
    assert "Replace all rows" in page and "Append" in page


def test_it_adds_a_configuration_that_the_import_api_then_takes(world, forecast):
    client = world.client_for("alice")
    data = {"name": "Nightly append", "dataset": forecast.dataset.pk, "mode": "append"}
    response = client.post(CREATE_URL, data, follow=True)
    configuration = ImportConfiguration.objects.get(name="Nightly append")
    assert (configuration.workspace, configuration.dataset, configuration.mode) == (
        world.acme,
        forecast.dataset,
        "append",
    )
    page = response.content.decode()
    assert f"Import configuration “Nightly append” added; its id is {configuration.pk}." in page
    assert f"<code>{configuration.pk}</code>" in page

    body = b"month,region,revenue\n2030-01-01,North,1\n"
    for _ in range(2):
        assert push(Client(), forecast.import_key, body, configuration.pk).status_code == 202
    assert len(forecast.rows()) == 2


def test_it_puts_each_problem_next_to_its_field(world, forecast):
    page = world.client_for("alice").post(CREATE_URL, {"name": " "}).content.decode()
    assert '<div class="field has-error" id="field-name">' in page
    assert "Give the import configuration a name." in page
    assert '<div class="field has-error" id="field-dataset">' in page
    assert "Choose the dataset this configuration imports into." in page
    assert '<div class="field has-error" id="field-mode">' in page
    assert "Choose “Replace all rows” or “Append”." in page
    assert ImportConfiguration.objects.count() == 1  # the fixture's


def test_it_refuses_a_dataset_of_another_workspace(world, forecast):
    data = {"name": "Sneaky", "dataset": forecast.dataset.pk, "mode": "replace"}
    page = world.client_for("oscar").post(CREATE_URL, data).content.decode()
    assert "Choose one of this workspace&#x27;s datasets." in page
    assert not ImportConfiguration.objects.filter(name="Sneaky").exists()


def test_it_refuses_a_mode_it_does_not_know(world, forecast):
    data = {"name": "Odd", "dataset": forecast.dataset.pk, "mode": "merge"}
    page = world.client_for("alice").post(CREATE_URL, data).content.decode()
    assert "Select a valid choice. merge is not one of the available choices." in page
    assert not ImportConfiguration.objects.filter(name="Odd").exists()


def test_it_says_to_add_a_dataset_first_when_there_is_none(world):
    page = world.client_for("alice").get(CREATE_URL).content.decode()
    assert "This workspace has no datasets yet." in page
    assert reverse("datasets:dataset_create") in page


def test_the_service_names_each_bad_field(world, forecast):
    globex_dataset = dataset_create(workspace=world.globex, name="Ops", columns=[("x", "text")])
    with pytest.raises(ValidationError) as raised:
        import_configuration_create(
            workspace=world.acme, name="", dataset=globex_dataset, mode="merge"
        )
    assert raised.value.message_dict == {
        "name": ["Give the import configuration a name."],
        "dataset": ["Choose one of this workspace's datasets."],
        "mode": ["Choose “Replace all rows” or “Append”."],
    }
    assert ImportConfiguration.objects.count() == 1
