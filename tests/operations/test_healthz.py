"""/healthz: liveness, for anyone, without the database."""

from __future__ import annotations


def test_it_answers_ok_without_the_database(client):
    # No `db` fixture: any query would fail this test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_it_answers_a_plain_http_probe_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301  # everything else still goes to https


def test_it_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
