"""A dry run: the whole file checked as its import would be, and nothing changed."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from datasets.models import Dataset, ImportJob
from tests.datasets.conftest import GOOD_CSV, PUSH_URL, make_key, push

pytestmark = pytest.mark.django_db


def dry_run(client: Client, key: str, body: bytes, configuration_id: object, flag="true", **extra):
    return client.post(
        f"{PUSH_URL}?configurationId={configuration_id}&dryRun={flag}",
        data=body,
        content_type=extra.pop("content_type", "text/csv"),
        HTTP_AUTHORIZATION=f"Bearer {key}",
        **extra,
    )


def nothing_stored(forecast, settings) -> bool:
    uploads = os.path.join(settings.MEDIA_ROOT, "imports")
    return (
        not ImportJob.objects.exists()
        and not forecast.rows()
        and Dataset.objects.get(pk=forecast.dataset.pk).version == 0
        and not (os.path.isdir(uploads) and os.listdir(uploads))
    )


def test_a_good_file_is_reported_valid_and_nothing_is_stored(forecast, settings):
    response = dry_run(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 200
    assert response.json() == {
        "dryRun": True,
        "configurationId": forecast.configuration.pk,
        "datasetId": forecast.dataset.pk,
        "mode": "replace",
        "valid": True,
        "rowsReceived": 2,
        "errors": [],
    }
    assert nothing_stored(forecast, settings)


BAD_FILES = [
    b"month,region\n2030-01-01,North\n",  # a missing column
    b"month,region,revenue,profit,Region\n",  # unknown and repeated columns
    b"month,region,revenue\n2030-01-01,North,12\n2030-13-01,South,x\n,,\n2030-02-01,East\n",
    b'month,region,revenue\n2030-01-01,"open quote,1\n',
    b"month,region,revenue\n2030-01-01,\xff\xfe,1\n",
    b"",
]


@pytest.mark.parametrize("body", BAD_FILES[:-1])
def test_a_bad_file_gets_the_errors_its_import_would_report(forecast, settings, body):
    response = dry_run(Client(), forecast.import_key, body, forecast.configuration.pk)
    assert response.status_code == 200
    report = response.json()
    assert report["valid"] is False
    assert nothing_stored(forecast, settings)

    real = push(Client(), forecast.import_key, body, forecast.configuration.pk)
    job = ImportJob.objects.get(pk=real.json()["importId"])
    assert job.status == ImportJob.Status.FAILED
    assert report["errors"] == job.errors
    assert report["rowsReceived"] == job.rows_received


def test_errors_name_their_lines(forecast):
    body = b"month,region,revenue\n2030-01-01,North,12\n2030-02-01,South,twelve\n"
    report = dry_run(Client(), forecast.import_key, body, forecast.configuration.pk).json()
    assert report["errors"] == ["Line 3: 'twelve' is not a number in column Revenue."]
    assert report["rowsReceived"] == 2


def test_a_dry_run_leaves_existing_rows_alone(forecast):
    push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    before = forecast.rows()
    other = b"month,region,revenue\n2031-01-01,West,1\n"
    assert dry_run(Client(), forecast.import_key, other, forecast.configuration.pk).json()["valid"]
    assert forecast.rows() == before
    assert ImportJob.objects.count() == 1


@pytest.mark.parametrize("flag", ["false", "0"])
def test_dry_run_false_imports_for_real(forecast, flag):
    response = dry_run(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk, flag)
    assert response.status_code == 202
    assert len(forecast.rows()) == 2


def test_a_dry_run_is_refused_as_a_push_would_be(forecast, world, settings):
    client = Client()
    cases = [
        (dry_run(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk, "maybe"), 400),
        (dry_run(client, forecast.import_key, b"", forecast.configuration.pk), 400),
        (dry_run(client, forecast.export_key, GOOD_CSV, forecast.configuration.pk), 403),
        (dry_run(client, make_key(world.globex), GOOD_CSV, forecast.configuration.pk), 403),
        (dry_run(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk + 99), 404),
        (
            dry_run(
                client,
                forecast.import_key,
                b"--x\r\n",
                forecast.configuration.pk,
                content_type="multipart/form-data; boundary=x",
            ),
            415,
        ),
    ]
    for response, expected in cases:
        assert response.status_code == expected, response.content
        assert set(response.json()) == {"error", "message"}
    settings.IMPORT_MAX_BYTES = 10
    response = dry_run(client, forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 413
    assert nothing_stored(forecast, settings)


def test_a_dry_run_checks_the_delivery_id_as_a_push_would(forecast, settings):
    client = Client()
    url = f"{PUSH_URL}?configurationId={forecast.configuration.pk}&dryRun=true"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {forecast.import_key}"}
    malformed = client.post(
        url + "&deliveryId=nope", data=GOOD_CSV, content_type="text/csv", **headers
    )
    assert (malformed.status_code, malformed.json()["error"]) == (400, "bad_request")
    unknown = client.post(
        url,
        data=GOOD_CSV,
        content_type="text/csv",
        HTTP_SWITCHBOARD_DELIVERY_ID="5b0bd6c3-8a4e-4a8e-9a53-3f1f1f2f9c11",
        **headers,
    )
    assert (unknown.status_code, unknown.json()["error"]) == (400, "unknown_delivery")
    assert nothing_stored(forecast, settings)
