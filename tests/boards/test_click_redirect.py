"""A service that answers with a redirect chooses where it points: viewers never read that
target on the board; admins read it in the delivery log."""

from __future__ import annotations

import pytest
import responses
from django.urls import reverse

from integrations.models import Delivery
from tests.boards.conftest import ENDPOINT

pytestmark = pytest.mark.django_db
TARGET = "collector.attacker-chosen.example.net"


@pytest.fixture
def redirecting_service(public_dns):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(ENDPOINT, status=302, headers={"Location": f"https://{TARGET}/take?x=1"})
        yield mock


@pytest.mark.parametrize("htmx", [True, False])
def test_a_viewer_sees_plain_words_without_the_redirect_target(
    world, action_widget, redirecting_service, htmx
):
    url = reverse("boards:widget_click", args=[action_widget.board_id, action_widget.pk])
    client = world.client_for("victor")
    response = client.post(url, headers={"HX-Request": "true"} if htmx else {}, follow=not htmx)
    html = response.content.decode()
    assert "redirect, which Switchboard does not follow" in html
    assert TARGET not in html and "attacker" not in html
    board = client.get(reverse("boards:detail", args=[action_widget.board_id])).content.decode()
    assert TARGET not in board


def test_the_admin_delivery_log_names_the_redirect_target(
    world, action_widget, redirecting_service
):
    url = reverse("boards:widget_click", args=[action_widget.board_id, action_widget.pk])
    world.client_for("victor").post(url, headers={"HX-Request": "true"})
    delivery = Delivery.objects.get()
    assert (delivery.outcome, delivery.http_status) == (Delivery.Outcome.FAILED, 302)
    admin = world.client_for("alice")
    for page in [
        reverse("integrations:delivery_status", args=[delivery.pk]),
        reverse("integrations:delivery_log_all"),
    ]:
        assert f"Redirect to {TARGET} not followed" in admin.get(page).content.decode(), page
