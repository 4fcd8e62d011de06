import datetime
import json
import zoneinfo
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from datasets.api_key_services import api_key_create
from datasets.models import ApiKey, Dataset, ImportConfiguration, ImportJob
from datasets.services import dataset_create, import_configuration_create
from tests.datasets.conftest import GOOD_CSV, PUSH_URL, make_key, push

pytestmark = pytest.mark.django_db


def test_it_accepts_a_csv_and_imports_it(forecast):
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"
    import_id = response.json()["importId"]
    job = ImportJob.objects.get(pk=import_id)
    assert job.status == ImportJob.Status.SUCCEEDED
    assert response["Location"] == f"/api/v1/import/{import_id}/status"
    assert forecast.rows() == [
        {"month": "2030-01-01", "region": "North", "Revenue": 1200.5},
        {"month": "2030-02-01", "region": "South", "Revenue": 980},
    ]


def test_it_bumps_the_dataset_version_and_time_on_each_import(forecast):
    client = Client()
    for expected_version in (1, 2):
        push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
        dataset = Dataset.objects.get(pk=forecast.dataset.pk)
        assert dataset.version == expected_version
        assert dataset.updated_at is not None


def test_it_refuses_a_request_without_a_key(forecast):
    response = push(Client(), None, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    "authorization",
    ["Bearer sb_00000000_not-a-real-key", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer"],
)
def test_it_refuses_an_unknown_key(forecast, authorization):
    response = Client().post(
        f"/api/v1/import/push/csv?configurationId={forecast.configuration.pk}",
        data=GOOD_CSV,
        content_type="text/csv",
        HTTP_AUTHORIZATION=authorization,
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert not ImportJob.objects.exists()


def test_it_refuses_a_deleted_key(forecast):
    ApiKey.objects.filter(name="Pipeline").delete()
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 401


def test_it_refuses_an_expired_key(forecast):
    ApiKey.objects.filter(name="Pipeline").update(expires_on=datetime.date(2020, 1, 1))
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert "expired" in response.json()["message"]
    assert Dataset.objects.get(pk=forecast.dataset.pk).version == 0


def test_it_refuses_an_export_key(forecast):
    response = push(Client(), forecast.export_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "This is an Export key; this endpoint needs an Import key.",
    }
    assert not ImportJob.objects.exists()


def test_it_refuses_a_configuration_of_another_workspace(world, forecast):
    globex_key = make_key(world.globex)
    response = push(Client(), globex_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "This import configuration belongs to another workspace.",
    }
    assert forecast.rows() == []
    assert not ImportJob.objects.exists()


def test_it_answers_404_for_an_unknown_configuration(forecast):
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk + 1000)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("configuration_id", ["", "abc", "-1", "0", "1.5", "99999999999999999999"])
def test_it_answers_400_for_a_bad_configuration_id(forecast, configuration_id):
    response = push(Client(), forecast.import_key, GOOD_CSV, configuration_id)
    assert response.status_code == 400
    assert "configurationId" in response.json()["message"]


@pytest.mark.parametrize(
    "digits",
    [
        "\u0661",  # ARABIC-INDIC DIGIT ONE
        "\u06f1",  # EXTENDED ARABIC-INDIC DIGIT ONE
        "\u0967",  # DEVANAGARI DIGIT ONE
        "\uff11",  # FULLWIDTH DIGIT ONE
        "+1",
        " 1",
        "1 ",
    ],
)
def test_it_takes_only_ascii_digits_as_a_configuration_id(forecast, digits):
    # Each of these reads as the number 1 to int(); only the plain form is an id.
    ImportConfiguration.objects.filter(pk=forecast.configuration.pk).update(id=1)
    response = Client().post(
        PUSH_URL,
        QUERY_STRING=urlencode({"configurationId": digits}),
        data=GOOD_CSV,
        content_type="text/csv",
        HTTP_AUTHORIZATION=f"Bearer {forecast.import_key}",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert not ImportJob.objects.exists()
    assert push(Client(), forecast.import_key, GOOD_CSV, "1").status_code == 202


def test_it_answers_400_for_an_empty_body(forecast):
    response = push(Client(), forecast.import_key, b"", forecast.configuration.pk)
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_it_answers_413_over_the_size_limit(forecast, settings):
    settings.IMPORT_MAX_BYTES = len(GOOD_CSV) - 1
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 413
    assert "limit" in response.json()["message"]
    assert not ImportJob.objects.exists()
    assert forecast.rows() == []


def test_it_accepts_a_body_exactly_at_the_size_limit(forecast, settings):
    settings.IMPORT_MAX_BYTES = len(GOOD_CSV)
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 202


def test_it_refuses_a_form_upload(forecast):
    response = Client().post(
        f"/api/v1/import/push/csv?configurationId={forecast.configuration.pk}",
        data={"file": "month,region,revenue\n"},
        HTTP_AUTHORIZATION=f"Bearer {forecast.import_key}",
    )
    assert response.status_code == 415


def test_it_answers_json_405_for_the_wrong_method(forecast):
    response = Client().get(
        f"/api/v1/import/push/csv?configurationId={forecast.configuration.pk}",
        HTTP_AUTHORIZATION=f"Bearer {forecast.import_key}",
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"] == "method_not_allowed"


def test_it_needs_no_csrf_token(forecast):
    client = Client(enforce_csrf_checks=True)
    response = push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 202


def test_it_answers_json_for_unknown_api_paths():
    response = Client().get("/api/v1/import/nothing-here")
    assert response.status_code == 404
    assert json.loads(response.content)["error"] == "not_found"


def test_it_appends_in_append_mode(world, forecast):
    configuration = import_configuration_create(
        workspace=world.acme, name="Append", dataset=forecast.dataset, mode="append"
    )
    client = Client()
    push(client, forecast.import_key, GOOD_CSV, configuration.pk)
    push(
        client, forecast.import_key, b"region,Revenue,month\nWest,5,2030-03-01\n", configuration.pk
    )
    assert [row["region"] for row in forecast.rows()] == ["North", "South", "West"]


def test_it_replaces_all_rows_in_replace_mode(forecast):
    client = Client()
    push(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    push(
        client,
        forecast.import_key,
        b"month,region,revenue\n2031-01-01,East,1\n",
        forecast.configuration.pk,
    )
    assert forecast.rows() == [{"month": "2031-01-01", "region": "East", "Revenue": 1}]


def test_it_records_the_key_and_its_last_use(forecast):
    push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    key = ApiKey.objects.get(name="Pipeline")
    assert key.last_used_at is not None
    assert ImportJob.objects.get().api_key == key


def test_it_keeps_datasets_of_other_workspaces_apart(world, forecast):
    globex_dataset = dataset_create(workspace=world.globex, name="Ops", columns=[("x", "text")])
    globex_configuration = import_configuration_create(
        workspace=world.globex, name="Ops push", dataset=globex_dataset, mode="replace"
    )
    response = push(Client(), forecast.import_key, b"x\n1\n", globex_configuration.pk)
    assert response.status_code == 403
    assert not globex_dataset.rows.exists()


def test_it_takes_a_key_until_the_end_of_the_day_before_its_expiry(world, forecast, settings):
    settings.TIME_ZONE = "America/New_York"
    zone = zoneinfo.ZoneInfo("America/New_York")
    key = api_key_create(
        workspace=world.acme,
        name="Expiring",
        key_type=ApiKey.KeyType.IMPORT,
        expires_on=timezone.localdate() + datetime.timedelta(days=3),
        created_by=None,
    )
    expires_on = key.api_key.expires_on
    last_minute = datetime.datetime.combine(
        expires_on, datetime.time(0), zone
    ) - datetime.timedelta(minutes=1)
    client = Client()
    with mock.patch("django.utils.timezone.now", return_value=last_minute):
        assert push(client, key.secret, GOOD_CSV, forecast.configuration.pk).status_code == 202
    midnight = last_minute + datetime.timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=midnight):
        response = push(client, key.secret, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 403
    assert response.json()["message"] == (
        f"This API key expired: it was valid until the end of the day before {expires_on}."
    )
