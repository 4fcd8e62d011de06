"""After Setup, header values and the body never reach a browser, a log line or an error
report again."""

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter

from integrations.models import Connection
from integrations.services import connections as services
from integrations.views import connections as views
from tests.integrations.connection_support import (
    BODY,
    HEADERS,
    SECRETS,
    form_data,
)
from tests.support.personas import superuser_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]

ADMIN_MODELS = [
    "integrations_connection",
    "integrations_delivery",
    "integrations_hostlock",
    "integrations_auditentry",
    "datasets_apikey",
]


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{where} shows {secret!r}"
    assert BODY not in text and HEADERS not in text, where


def pages_after_setup(world, connection):
    """Every page an admin (or an operator) can open about the connection."""
    edit = reverse("integrations:connection_edit", args=[connection.pk])
    return [
        (reverse("integrations:index"), {}),
        (reverse("integrations:connection_list"), {}),
        (edit, {}),
        (edit, {"HTTP_HX_REQUEST": "true"}),
        (edit + "?replace=headers&replace=body", {}),
        (edit + "?replace=headers", {"HTTP_HX_REQUEST": "true"}),
        (reverse("integrations:connection_delete", args=[connection.pk]), {}),
        (reverse("integrations:audit_list"), {}),
    ]


def test_no_page_or_log_line_shows_a_secret_after_setup(world, caplog):
    caplog.set_level(logging.DEBUG)
    client = world.client_for("alice")
    response = client.post(
        reverse("integrations:connection_create"),
        form_data(applications=[str(world.sales.pk)]),
        follow=True,
    )
    assert response.status_code == 200
    assert_no_secret(response.content.decode(), "the page after Setup")
    connection = Connection.objects.get()

    for url, headers in pages_after_setup(world, connection):
        response = client.get(url, **headers)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode(), url)

    # Edits that leave the secrets alone, and ones that fail, answer without them too.
    edit = reverse("integrations:connection_edit", args=[connection.pk])
    for data in [
        form_data(name="Renamed", headers=None, body=None),
        form_data(url="https://10.1.1.1/"),
    ]:
        for extra in [{}, {"HTTP_HX_REQUEST": "true"}]:
            response = client.post(edit, data, follow=True, **extra)
            assert_no_secret(response.content.decode(), f"POST {edit}")

    client.force_login(superuser_make())
    for model in ADMIN_MODELS:
        for url in [reverse(f"admin:{model}_changelist")]:
            assert_no_secret(client.get(url).content.decode(), url)
    for url in [
        reverse("admin:integrations_connection_change", args=[connection.pk]),
        reverse("admin:integrations_connection_history", args=[connection.pk]),
        reverse("admin:integrations_connection_delete", args=[connection.pk]),
    ]:
        assert_no_secret(client.get(url).content.decode(), url)

    assert_no_secret(caplog.text, "the log")
    assert_no_secret(" ".join(str(record.args) for record in caplog.records), "log arguments")


def test_an_error_during_setup_reports_no_secret(world, monkeypatch, caplog):
    """DEBUG is off in production, but error reports (mailed to admins, logged) still list the
    request's POST data and every frame's local variables."""

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "connection_create", broken)
    request = RequestFactory().post(reverse("integrations:connection_create"), form_data())
    request.user = world.alice
    request.htmx = False
    request._dont_enforce_csrf_checks = True
    with pytest.raises(RuntimeError) as caught:
        views.connection_create(request)
    report = ExceptionReporter(request, caught.type, caught.value, caught.tb, is_email=True)
    assert_no_secret(report.get_traceback_text(), "the error report")
    assert_no_secret(report.get_traceback_html(), "the error report")

    client = world.client_for("alice")
    client.raise_request_exception = False
    caplog.set_level(logging.DEBUG)
    response = client.post(reverse("integrations:connection_create"), form_data())
    assert response.status_code == 500
    assert_no_secret(response.content.decode(), "the error page")
    assert_no_secret(caplog.text, "the error log")


def test_an_error_in_the_service_hides_its_local_variables(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Connection, "save", broken)
    with pytest.raises(RuntimeError) as caught:
        services.connection_create(
            workspace=world.acme,
            actor=world.alice,
            name="Forecast pipeline",
            applications=[world.sales],
            url="https://hooks.example.com/run",
            headers=HEADERS,
            body=BODY,
        )
    report = ExceptionReporter(None, caught.type, caught.value, caught.tb)
    # The HTML report is the one that lists each frame's local variables.
    assert_no_secret(report.get_traceback_html(), "the service's error report")
