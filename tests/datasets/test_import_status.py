import uuid

import pytest
from django.test import Client

from datasets.models import ImportJob
from tests.datasets.conftest import GOOD_CSV, make_key, push, status

pytestmark = pytest.mark.django_db


def test_it_reports_a_succeeded_import(forecast):
    client = Client()
    import_id = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk).json()[
        "importId"
    ]
    response = status(client, forecast.import_key, import_id)
    assert response.status_code == 200
    body = response.json()
    assert body["importId"] == import_id
    assert body["status"] == "succeeded"
    assert (body["rowsReceived"], body["rowsImported"], body["errors"]) == (2, 2, [])
    assert body["configurationId"] == forecast.configuration.pk


def test_it_reports_a_queued_import(world, forecast):
    job = ImportJob.objects.create(workspace=world.acme, configuration=forecast.configuration)
    body = status(Client(), forecast.import_key, str(job.id)).json()
    assert body["status"] == "queued"
    assert body["finishedAt"] is None


def test_it_answers_404_for_an_import_of_another_workspace(world, forecast):
    client = Client()
    import_id = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk).json()[
        "importId"
    ]
    response = status(client, make_key(world.globex), import_id)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("import_id", ["0b5e6c1e-8f1f-4d7a-9c1e-3f0d2a6b7c8d", "not-a-uuid", "1"])
def test_it_answers_404_for_an_unknown_import(forecast, import_id):
    response = status(Client(), forecast.import_key, import_id)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_it_needs_a_key(forecast):
    response = Client().get(f"/api/v1/import/{uuid.uuid4()}/status")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_refuses_an_export_key(forecast):
    response = status(Client(), forecast.export_key, str(uuid.uuid4()))
    assert response.status_code == 403
