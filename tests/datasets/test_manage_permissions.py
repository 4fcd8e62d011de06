"""Who may add and delete datasets and import configurations: Workspace Admins, in their own
workspace. Everyone else gets a 404 (or the sign-in page), and nothing changes."""

import pytest
from django.urls import reverse

from datasets.models import Dataset, ImportConfiguration
from tests.datasets.test_dataset_create import dataset_post
from tests.support.personas import PERSONAS

pytestmark = pytest.mark.django_db


def assert_refused(response, persona: str) -> None:
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 404


def assert_only_the_admin_deletes(client, persona: str, url: str, target) -> None:
    """Alice (the Workspace Admin) sees the delete page and deletes `target`; anyone else is
    refused both, and `target` stays."""
    get = client.get(url)
    post = client.post(url)
    if persona == "alice":
        assert get.status_code == 200
        assert post.status_code == 302
        assert not target.exists()
    else:
        assert_refused(get, persona)
        assert_refused(post, persona)
        assert target.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_workspace_admins_add_datasets(world, persona):
    client = world.client_for(persona)
    url = reverse("datasets:dataset_create")
    get = client.get(url)
    post = client.post(url, dataset_post("Plan", [("a", "text")]))
    if persona in ("alice", "oscar"):
        assert get.status_code == 200
        assert post.status_code == 302
        # Into the admin's own workspace, whoever else exists.
        expected = world.acme if persona == "alice" else world.globex
        assert Dataset.objects.get(name="Plan").workspace == expected
    else:
        assert_refused(get, persona)
        assert_refused(post, persona)
        assert not Dataset.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_workspace_admins_add_import_configurations(world, forecast, persona):
    client = world.client_for(persona)
    url = reverse("datasets:import_configuration_create")
    get = client.get(url)
    data = {"name": "Second", "dataset": forecast.dataset.pk, "mode": "replace"}
    post = client.post(url, data)
    if persona == "alice":
        assert get.status_code == 200
        assert post.status_code == 302
        assert ImportConfiguration.objects.filter(name="Second", workspace=world.acme).exists()
    elif persona == "oscar":
        assert get.status_code == 200
        assert post.status_code == 200  # Acme's dataset is not a choice for him
        assert not ImportConfiguration.objects.filter(name="Second").exists()
    else:
        assert_refused(get, persona)
        assert_refused(post, persona)
        assert not ImportConfiguration.objects.filter(name="Second").exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_the_workspaces_admins_delete_a_dataset(world, forecast, persona):
    assert_only_the_admin_deletes(
        world.client_for(persona),
        persona,
        reverse("datasets:dataset_delete", args=[forecast.dataset.pk]),
        Dataset.objects.filter(pk=forecast.dataset.pk),
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_the_workspaces_admins_delete_an_import_configuration(
    world, forecast, persona
):
    assert_only_the_admin_deletes(
        world.client_for(persona),
        persona,
        reverse("datasets:import_configuration_delete", args=[forecast.configuration.pk]),
        ImportConfiguration.objects.filter(pk=forecast.configuration.pk),
    )


@pytest.mark.parametrize(
    "url_name", ["datasets:dataset_delete", "datasets:import_configuration_delete"]
)
def test_it_answers_404_for_an_id_that_does_not_exist(world, url_name):
    response = world.client_for("alice").get(reverse(url_name, args=[987654]))
    assert response.status_code == 404
