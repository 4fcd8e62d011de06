"""How the push endpoint answers uploads it cannot read and a database that is busy."""

import http.client
from urllib.parse import urlsplit

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from datasets.models import ImportJob
from tests.datasets.conftest import GOOD_CSV, PUSH_URL, push

LENGTH_MESSAGE = "Send the CSV with a Content-Length header (curl --data-binary does)."


@pytest.mark.django_db
def test_it_asks_for_a_content_length_when_the_body_is_chunked(forecast):
    # Under WSGI a chunked request arrives with no CONTENT_LENGTH at all.
    response = push(
        Client(),
        forecast.import_key,
        GOOD_CSV,
        forecast.configuration.pk,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert response.json() == {"error": "length_required", "message": LENGTH_MESSAGE}
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_it_still_calls_a_zero_length_body_empty(forecast):
    response = push(
        Client(),
        forecast.import_key,
        b"",
        forecast.configuration.pk,
        CONTENT_LENGTH="0",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "The body is empty: send the CSV as the body."


@pytest.mark.django_db(transaction=True)
def test_it_answers_411_to_a_chunked_upload_over_the_wire(forecast, live_server):
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    # An iterable body with no length: http.client sends it chunked, as `curl -T -` does.
    connection.request(
        "POST",
        f"{PUSH_URL}?configurationId={forecast.configuration.pk}",
        body=iter([GOOD_CSV]),
        headers={"Authorization": f"Bearer {forecast.import_key}", "Content-Type": "text/csv"},
    )
    response = connection.getresponse()
    assert response.status == 411
    assert LENGTH_MESSAGE.encode() in response.read()
    connection.close()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_it_answers_busy_with_retry_after_when_the_database_is_locked(forecast, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("datasets.services.import_job_receive", locked)
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"
    assert response.json()["error"] == "busy"


@pytest.mark.django_db
def test_it_answers_json_500_to_other_database_errors(forecast, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("no such table: datasets_importjob")

    monkeypatch.setattr("datasets.services.import_job_receive", broken)
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "no such table" not in response.content.decode()


@pytest.mark.django_db
def test_it_sends_htmx_requests_of_signed_out_visitors_to_the_sign_in_page(world):
    client = world.client_for("anonymous")
    response = client.get(reverse("datasets:list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
