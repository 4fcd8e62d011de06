"""Application access of datasets: chosen on + Add dataset, changed on the dataset's access page,
shown on the datasets list. Only Workspace Admins see or change it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from datasets.models import Dataset
from datasets.services import dataset_access_update, dataset_create
from tests.datasets.test_dataset_create import CREATE_URL, dataset_post
from tests.datasets.test_manage_permissions import assert_refused
from tests.support.personas import PERSONAS

pytestmark = pytest.mark.django_db


def access_url(dataset: Dataset) -> str:
    return reverse("datasets:dataset_access", args=[dataset.pk])


def granted(dataset: Dataset) -> list[str]:
    return sorted(dataset.applications.values_list("name", flat=True))


def test_it_offers_the_workspaces_applications_when_adding_a_dataset(world):
    page = world.client_for("alice").get(CREATE_URL).content.decode()
    assert "<legend>Application access</legend>" in page
    assert f'value="{world.sales.pk}"' in page and "Sales Planning" in page
    assert f'value="{world.workforce.pk}"' in page and "Workforce" in page
    assert "Operations" not in page  # Globex's


def test_it_adds_a_dataset_with_application_access(world):
    data = {**dataset_post("Pipeline", [("a", "text")]), "applications": [world.sales.pk]}
    response = world.client_for("alice").post(CREATE_URL, data, follow=True)
    assert response.redirect_chain == [(reverse("datasets:list"), 302)]
    assert granted(Dataset.objects.get(name="Pipeline")) == ["Sales Planning"]
    assert '<td data-label="Application access">Sales Planning</td>' in response.content.decode()


def test_it_adds_a_dataset_shared_with_no_application(world):
    world.client_for("alice").post(CREATE_URL, dataset_post("Private", [("a", "text")]))
    assert granted(Dataset.objects.get(name="Private")) == []
    page = world.client_for("alice").get(reverse("datasets:list")).content.decode()
    assert "No application" in page


def test_it_refuses_another_workspaces_application_and_saves_nothing(world):
    data = {**dataset_post("Pipeline", [("a", "text")]), "applications": [world.globex_app.pk]}
    response = world.client_for("alice").post(CREATE_URL, data)
    assert response.status_code == 200
    assert "Choose applications of your own workspace." in response.content.decode()
    assert not Dataset.objects.exists()


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999"])
def test_it_refuses_garbled_application_ids(world, value):
    data = {**dataset_post("Pipeline", [("a", "text")]), "applications": [value]}
    response = world.client_for("alice").post(CREATE_URL, data)
    assert response.status_code == 200
    assert not Dataset.objects.exists()


def test_it_keeps_the_ticked_applications_when_adding_column_rows(world):
    data = {
        **dataset_post("Pipeline", [("a", "text")]),
        "applications": [world.workforce.pk],
        "more_rows": "1",
    }
    page = world.client_for("alice").post(CREATE_URL, data).content.decode()
    assert f'value="{world.workforce.pk}" id="id_applications_1" checked' in page
    assert f'value="{world.sales.pk}" id="id_applications_0" checked' not in page
    assert not Dataset.objects.exists()


def test_the_service_refuses_another_workspaces_application(world):
    with pytest.raises(ValidationError) as error:
        dataset_create(
            workspace=world.acme, name="X", columns=[("a", "text")], applications=[world.globex_app]
        )
    assert error.value.message_dict == {
        "applications": ["Choose applications of your own workspace."]
    }
    dataset = dataset_create(workspace=world.acme, name="Y", columns=[("a", "text")])
    with pytest.raises(ValidationError):
        dataset_access_update(dataset=dataset, applications=[world.sales, world.globex_app])
    assert granted(dataset) == []


@pytest.fixture
def forecast_shared(forecast, world):
    forecast.dataset.applications.set([world.sales])
    return forecast.dataset


def test_it_links_each_dataset_to_its_access_page(world, forecast_shared):
    page = world.client_for("alice").get(reverse("datasets:list")).content.decode()
    assert f'href="{access_url(forecast_shared)}"' in page
    assert '<td data-label="Application access">Sales Planning</td>' in page


def test_it_changes_a_datasets_application_access(world, forecast_shared):
    client = world.client_for("alice")
    page = client.get(access_url(forecast_shared)).content.decode()
    assert "<legend>Application access</legend>" in page
    assert f'value="{world.sales.pk}" id="id_applications_0" checked' in page
    version = forecast_shared.version

    response = client.post(
        access_url(forecast_shared), {"applications": [world.workforce.pk]}, follow=True
    )
    assert response.redirect_chain == [(reverse("datasets:list"), 302)]
    assert "Application access of “Revenue forecast” saved." in response.content.decode()
    forecast_shared.refresh_from_db()
    assert granted(forecast_shared) == ["Workforce"]
    # Open boards notice: the version they watch moved.
    assert forecast_shared.version == version + 1

    client.post(access_url(forecast_shared), {})
    assert granted(forecast_shared) == []


def test_it_refuses_another_workspaces_application_on_the_access_page(world, forecast_shared):
    response = world.client_for("alice").post(
        access_url(forecast_shared), {"applications": [world.globex_app.pk]}
    )
    assert response.status_code == 200
    assert "Choose applications of your own workspace." in response.content.decode()
    assert granted(forecast_shared) == ["Sales Planning"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_the_workspace_admin_change_access(world, forecast_shared, persona):
    client = world.client_for(persona)
    url = access_url(forecast_shared)
    get = client.get(url)
    post = client.post(url, {"applications": [world.workforce.pk]})
    if persona == "alice":
        assert get.status_code == 200
        assert post.status_code == 302
        assert granted(forecast_shared) == ["Workforce"]
    else:
        # oscar administers Globex: Acme's dataset does not exist for him.
        assert_refused(get, persona)
        assert_refused(post, persona)
        assert granted(forecast_shared) == ["Sales Planning"]


def test_it_answers_404_for_an_unknown_dataset(world):
    response = world.client_for("alice").get(reverse("datasets:dataset_access", args=[987654]))
    assert response.status_code == 404
