import pytest
from django.test import Client
from django.urls import reverse

from tests.datasets.conftest import GOOD_CSV, push
from tests.support.personas import PERSONAS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_datasets_only_to_their_workspace_admins(world, forecast, persona):
    response = world.client_for(persona).get(reverse("datasets:list"))
    if persona == "alice":
        assert response.status_code == 200
        assert "Revenue forecast" in response.content.decode()
    elif persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif persona == "oscar":
        assert response.status_code == 200
        assert "Revenue forecast" not in response.content.decode()
    else:
        assert response.status_code == 404


def test_it_lists_columns_rows_last_update_and_configuration_ids(world, forecast):
    push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    page = world.client_for("alice").get(reverse("datasets:list")).content.decode()
    assert 'month <span class="muted small">(date)</span>' in page
    assert 'Revenue <span class="muted small">(number)</span>' in page
    assert '<td class="num" data-label="Rows">2</td>' in page
    assert "Never imported" not in page
    assert f"<code>{forecast.configuration.pk}</code>" in page
    assert "Forecast push" in page and "Replace all rows" in page
    assert f"configurationId={forecast.configuration.pk}" in page
    assert "Succeeded" in page


def test_it_shows_why_an_import_failed(world, forecast):
    push(Client(), forecast.import_key, b"month,region,revenue\nx,y,z\n", forecast.configuration.pk)
    page = world.client_for("alice").get(reverse("datasets:list")).content.decode()
    assert "Line 2: &#x27;x&#x27; is not a date (YYYY-MM-DD) in column month." in page
    assert forecast.import_key not in page
