"""Every outgoing call names its click: `Switchboard-Delivery-Id` is the delivery's idempotency
key, as a real receiver sees it; stored headers cannot set or override it."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_httpserver import HTTPServer

from integrations.egress import post_json
from integrations.models import Connection, Delivery
from integrations.services import SOURCE_WIDGET, SendOrigin, connection_send
from integrations.validators import parse_headers
from tests.integrations.connection_support import form_data
from tests.support.connections import connection_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/hooks/forecast", method="POST").respond_with_data("ok", status=202)
    yield server
    server.clear()
    server.stop()


def connection_to(world, receiver, headers=None):
    return connection_make(
        world.acme,
        url=f"http://127.0.0.1:{receiver.port}/hooks/forecast",
        headers=headers if headers is not None else {"X-Api-Key": "k-1"},
        applications=[world.sales],
    )


def received_headers(receiver) -> list[dict[str, str]]:
    return [dict(request.headers) for request, _ in receiver.log]


def test_it_sends_the_delivery_id_with_every_click(world, receiver):
    connection = connection_to(world, receiver)
    origin = SendOrigin(board_id=1, widget_id=2, widget_label="Refresh forecast")
    status = connection_send(
        connection=connection, user=world.victor, source=SOURCE_WIDGET, origin=origin
    )
    delivery = Delivery.objects.get(pk=status.delivery_id)
    assert delivery.outcome == Delivery.Outcome.SUCCEEDED
    [headers] = received_headers(receiver)
    assert headers["Switchboard-Delivery-Id"] == str(delivery.idempotency_key)
    assert headers["Idempotency-Key"] == str(delivery.idempotency_key)
    assert headers["X-Api-Key"] == "k-1"


def test_each_click_has_an_id_of_its_own(world, receiver):
    connection = connection_to(world, receiver)
    for user in (world.victor, world.erin):
        connection_send(connection=connection, user=user, source=SOURCE_WIDGET)
    ids = [headers["Switchboard-Delivery-Id"] for headers in received_headers(receiver)]
    keys = {str(key) for key in Delivery.objects.values_list("idempotency_key", flat=True)}
    assert len(set(ids)) == 2 and set(ids) == keys


def test_the_admins_test_call_carries_it_too(world, receiver):
    connection = connection_to(world, receiver)
    response = world.client_for("alice").post(
        reverse("integrations:connection_test", args=[connection.pk])
    )
    assert response.status_code == 302
    delivery = Delivery.objects.get(source=Delivery.Source.TEST)
    [headers] = received_headers(receiver)
    assert headers["Switchboard-Delivery-Id"] == str(delivery.idempotency_key)


@pytest.mark.parametrize(
    "name", ["Switchboard-Delivery-Id", "switchboard-delivery-id", "Switchboard_Delivery_Id"]
)
def test_a_stored_header_cannot_override_it(world, receiver, name):
    # The send refuses stored headers that break today's rules (below); the egress client
    # drops every spelling of ours on its own as well.
    post_json(
        url=f"http://127.0.0.1:{receiver.port}/hooks/forecast",
        headers={name: "11111111-1111-1111-1111-111111111111", "X-Team": "a"},
        body="",
        idempotency_key="5b0bd6c3-8a4e-4a8e-9a53-3f1f1f2f9c11",
    )
    [headers] = received_headers(receiver)
    sent = {key.lower(): value for key, value in headers.items()}
    assert sent["switchboard-delivery-id"] == "5b0bd6c3-8a4e-4a8e-9a53-3f1f1f2f9c11"
    assert "switchboard_delivery_id" not in sent
    assert "11111111-1111-1111-1111-111111111111" not in json.dumps(headers)


def test_a_connection_with_such_a_stored_header_sends_nothing(world, receiver):
    connection = connection_to(world, receiver, headers={"Switchboard-Delivery-Id": "forged"})
    status = connection_send(connection=connection, user=world.victor, source=SOURCE_WIDGET)
    assert status.reason == Delivery.Reason.HEADERS_RULES
    assert receiver.log == []


@pytest.mark.parametrize(
    "name", ["Switchboard-Delivery-Id", "SWITCHBOARD-DELIVERY-ID", "switchboard_delivery_id"]
)
def test_the_setup_form_refuses_it_in_any_spelling(world, name, public_dns):
    with pytest.raises(ValidationError, match="cannot be set"):
        parse_headers(json.dumps({name: "x"}))
    response = world.client_for("alice").post(
        reverse("integrations:connection_create"), form_data(headers=json.dumps({name: "x"}))
    )
    assert response.status_code == 200
    assert f"{name} cannot be set" in response.content.decode()
    assert not Connection.objects.exists()
