"""The in-process worker threads: a click answers while the call is still pending, and the
worker records the result the page then polls for."""

import time

import pytest
from pytest_httpserver import HTTPServer

from integrations.models import Delivery
from integrations.services.deliveries import delivery_start
from integrations.tasks import delivery_dispatch
from tests.integrations.delivery_support import make_connection
from workspace.models import Membership, Workspace
from workspace.services import membership_ensure, user_ensure


@pytest.fixture
def receiver():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_it_sends_on_a_worker_thread_after_the_click_returns(settings, receiver: HTTPServer):
    # transaction=True: the worker thread has its own database connection and only sees
    # committed rows, as in production.
    settings.DELIVERY_RUN_INLINE = False
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True
    receiver.expect_request("/hooks/run", method="POST").respond_with_data("queued", status=202)
    workspace = Workspace.objects.create(name="Acme")
    alice = user_ensure(username="alice", password="correct horse battery staple")
    membership_ensure(workspace=workspace, user=alice, role=Membership.Role.ADMIN)
    connection = make_connection(
        workspace, url=f"http://127.0.0.1:{receiver.port}/hooks/run", body=""
    )

    delivery = delivery_start(connection=connection, user=alice, source="test")
    delivery_dispatch(delivery.pk)

    deadline = time.monotonic() + 10
    while Delivery.objects.get(pk=delivery.pk).outcome == "pending":
        assert time.monotonic() < deadline, "the worker never recorded a result"
        time.sleep(0.02)
    delivery.refresh_from_db()
    assert (delivery.outcome, delivery.http_status, delivery.response_excerpt) == (
        "succeeded",
        202,
        "queued",
    )
    request, _ = receiver.log[0]
    assert request.headers["Idempotency-Key"] == str(delivery.idempotency_key)
    assert request.get_data() == b""
