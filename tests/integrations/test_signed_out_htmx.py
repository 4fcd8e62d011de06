"""A signed-out browser polling or swapping an integrations box is sent to the sign-in page as a
whole, instead of getting the sign-in form swapped into that box."""

import pytest
from django.urls import reverse

from integrations.services.deliveries import delivery_start
from tests.support.connections import connection_make

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def connection(world, fake_dns):
    return connection_make(world.acme, applications=[world.sales])


@pytest.fixture
def delivery(world, connection):
    return delivery_start(connection=connection, user=world.alice, source="test")


def test_it_sends_a_signed_out_status_poll_to_sign_in_with_hx_redirect(world, delivery):
    status = reverse("integrations:delivery_status", args=[delivery.pk])
    page = reverse("integrations:connection_edit", args=[delivery.connection_id])
    response = world.client_for("anonymous").get(
        status, HTTP_HX_CURRENT_URL=f"http://testserver{page}", **HTMX
    )
    assert response.status_code == 200  # htmx follows HX-Redirect only on a non-redirect answer
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert f"next={page}" in response["HX-Redirect"].replace("%2F", "/")
    assert "<form" not in response.content.decode()


def test_it_answers_every_htmx_box_of_a_signed_out_browser_the_same_way(world, connection):
    client = world.client_for("anonymous")
    for method, url in [
        ("get", reverse("integrations:delivery_log", args=[connection.pk])),
        ("get", reverse("integrations:delivery_log_all")),
        ("post", reverse("integrations:connection_validate_url")),
        ("get", reverse("integrations:connection_edit", args=[connection.pk])),
        ("post", reverse("integrations:connection_test", args=[connection.pk])),
        ("get", reverse("datasets:api_key_create")),
    ]:
        response = getattr(client, method)(url, **HTMX)
        assert response.status_code == 200, url
        assert response["HX-Redirect"].startswith(reverse("login")), url


def test_it_still_redirects_a_signed_out_page_load_to_sign_in(world, delivery):
    status = reverse("integrations:delivery_status", args=[delivery.pk])
    response = world.client_for("anonymous").get(status)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
