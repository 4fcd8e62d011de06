"""Clicks on a real Celery worker process: the click answers while the call waits for a worker,
the worker records the result the page then polls for, and one slow service cannot hold up
calls to another.

Two receivers on 127.0.0.1 reached through two names (slow.test, fast.test) that the worker's
resolver maps to 127.0.0.1 (tests/worker_main.py), so the quota and the per-host limit see two
hosts.
"""

from __future__ import annotations

import time

import pytest

from integrations.models import Delivery
from integrations.selectors.deliveries import CALLS_PER_HOST
from integrations.services import SOURCE_TEST, SOURCE_WIDGET, SendOrigin, connection_send
from tests.celery_worker import celery_worker_process
from tests.integrations.delivery_support import serve
from tests.support.connections import connection_make
from tests.support.personas import member_make
from workspace.models import Membership, Workspace

WAIT = 30  # seconds; generous, only reached when something is wrong
HOSTS = {"slow.test": ["127.0.0.1"], "fast.test": ["127.0.0.1"]}
WORKER_ENV = {
    "OUTBOUND_ALLOWLIST": "127.0.0.1",
    "OUTBOUND_ALLOW_HTTP": "1",
    "OUTBOUND_READ_TIMEOUT": str(WAIT * 2),
    "OUTBOUND_DEADLINE": str(WAIT * 2),
}


def wait_until(condition, message: str, worker=None) -> None:
    ends = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < ends, message + (
            "\n" + "".join(worker.log[-30:]) if worker else ""
        )
        time.sleep(0.05)


def finished(*ids: int) -> bool:
    return not Delivery.objects.filter(pk__in=ids).exclude(state=Delivery.State.FINAL).exists()


@pytest.fixture
def alice():
    workspace = Workspace.objects.create(name="Acme")
    return member_make(workspace=workspace, username="alice", role=Membership.Role.ADMIN)


@pytest.mark.django_db(transaction=True)  # the worker process sees committed rows only
def test_the_click_answers_at_once_and_the_worker_records_the_result(settings, alice):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True
    receiver = serve()
    workspace = Workspace.objects.get()
    connection = connection_make(workspace, url=f"http://127.0.0.1:{receiver.port}/run", body="")
    with celery_worker_process(concurrency=2, **WORKER_ENV) as worker:
        status = connection_send(connection=connection, user=alice, source=SOURCE_TEST)
        assert (status.state, status.final) == ("waiting", False)
        assert status.message == "Waiting to send…"

        wait_until(lambda: finished(status.delivery_id), "no result was recorded", worker)
    receiver.shutdown()
    delivery = Delivery.objects.get(pk=status.delivery_id)
    assert (delivery.state, delivery.outcome, delivery.reason, delivery.http_status) == (
        "final",
        "succeeded",
        "",
        200,
    )
    assert receiver.arrived == [str(delivery.idempotency_key)]


@pytest.mark.django_db(transaction=True)
def test_a_fast_service_is_served_while_a_slow_one_holds_a_dozen_calls(settings, alice):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True
    slow, fast = serve(hold=True, hold_seconds=WAIT * 2), serve()
    workspace = Workspace.objects.get()
    slow_connection = connection_make(
        workspace, name="Slow", url=f"http://slow.test:{slow.port}/run", body=""
    )
    fast_connection = connection_make(
        workspace, name="Fast", url=f"http://fast.test:{fast.port}/run", body=""
    )
    try:
        with celery_worker_process(concurrency=8, fake_dns=HOSTS, **WORKER_ENV) as worker:
            # Twelve buttons on the slow service, pressed at once (one widget each, so none
            # is a repeat).
            held = [
                connection_send(
                    connection=slow_connection,
                    user=alice,
                    source=SOURCE_WIDGET,
                    origin=SendOrigin(widget_id=n),
                ).delivery_id
                for n in range(12)
            ]
            assert slow.two_arrived.wait(WAIT), "the slow service never got its first calls"

            quick = connection_send(
                connection=fast_connection,
                user=alice,
                source=SOURCE_WIDGET,
                origin=SendOrigin(widget_id=99),
            ).delivery_id
            wait_until(lambda: finished(quick), "the fast call waited behind the slow", worker)

            assert fast.arrived == [str(Delivery.objects.get(pk=quick).idempotency_key)]
            # The slow host still holds its calls: two at a time reach it, the rest wait.
            assert len(slow.arrived) == CALLS_PER_HOST
            states = list(Delivery.objects.filter(pk__in=held).values_list("state", flat=True))
            assert sorted(states) == ["sending"] * 2 + ["waiting"] * 10

            slow.release.set()
            wait_until(lambda: finished(*held), "the slow service's calls never finished", worker)
    finally:
        slow.release.set()
        for server in (slow, fast):
            server.shutdown()
    assert sorted(slow.arrived) == sorted(
        str(key)
        for key in Delivery.objects.filter(pk__in=held).values_list("idempotency_key", flat=True)
    )
    assert slow.most_at_once == CALLS_PER_HOST
    outcomes = set(Delivery.objects.filter(pk__in=held).values_list("outcome", flat=True))
    assert outcomes == {"succeeded"}
