import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_strict_content_security_policy(world, client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_a_locked_database_is_a_polite_503_not_a_server_error(world, monkeypatch):
    from django.db import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("workspace.views.applications_openable_by", locked)
    response = world.client_for("alice").get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Switchboard is busy" in response.content.decode()


def test_an_htmx_request_gets_the_busy_message_in_the_page_alerts(world, monkeypatch):
    from django.db import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("workspace.views.applications_openable_by", locked)
    response = world.client_for("alice").get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 503
    assert response["HX-Retarget"] == "#page-alerts"
    assert response["HX-Reswap"] == "innerHTML"
    page = response.content.decode()
    assert "Switchboard is busy" in page and "<html" not in page
