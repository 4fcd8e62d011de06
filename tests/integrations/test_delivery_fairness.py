"""One slow service cannot hold up calls to another: each (workspace, host) has its own lane.

Two real receivers on 127.0.0.1, reached through two names (slow.test, fast.test) that the
resolver seam maps to 127.0.0.1, so the quota and the lanes see two hosts. The slow one holds
every request until the test releases it.
"""

from __future__ import annotations

import threading
import time

import pytest

from integrations import address_policy, tasks
from integrations.models import Delivery
from integrations.services.deliveries import delivery_start
from integrations.tasks import delivery_dispatch
from tests.integrations.delivery_support import FakeDNS, make_connection, serve
from workspace.models import Membership, Workspace
from workspace.services import membership_ensure, user_ensure

WAIT = 20  # seconds; generous, only reached when something is wrong


@pytest.fixture
def receivers(settings, monkeypatch):
    settings.DELIVERY_RUN_INLINE = False
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True
    # The held calls must outlast the test, not time out in the middle of it.
    settings.OUTBOUND_READ_TIMEOUT = WAIT * 2
    settings.OUTBOUND_DEADLINE = WAIT * 2
    monkeypatch.setattr(
        address_policy,
        "resolve_host",
        FakeDNS({"slow.test": ["127.0.0.1"], "fast.test": ["127.0.0.1"]}),
    )
    slow, fast = serve(hold=True, hold_seconds=WAIT * 2), serve()
    yield slow, fast
    slow.release.set()
    for server in (slow, fast):
        server.shutdown()
        server.server_close()


def wait_until(condition, message: str) -> None:
    ends = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < ends, message
        time.sleep(0.02)


def finished(*deliveries: Delivery) -> bool:
    ids = [d.pk for d in deliveries]
    return not Delivery.objects.filter(pk__in=ids, outcome=Delivery.Outcome.PENDING).exists()


@pytest.mark.django_db(transaction=True)  # the lanes' threads see committed rows only
def test_it_sends_to_a_fast_service_while_a_slow_one_holds_a_dozen_calls(receivers):
    slow, fast = receivers
    workspace = Workspace.objects.create(name="Acme")
    alice = user_ensure(username="alice", password="correct horse battery staple")
    membership_ensure(workspace=workspace, user=alice, role=Membership.Role.ADMIN)
    slow_connection = make_connection(
        workspace, name="Slow", url=f"http://slow.test:{slow.server_address[1]}/run", body=""
    )
    fast_connection = make_connection(
        workspace, name="Fast", url=f"http://fast.test:{fast.server_address[1]}/run", body=""
    )
    # Twelve buttons on the slow service, pressed at once (one widget each, so none is a repeat).
    held = [
        delivery_start(connection=slow_connection, user=alice, source="widget", widget_id=n)
        for n in range(12)
    ]
    try:
        for delivery in held:
            delivery_dispatch(delivery.pk)
        assert slow.two_arrived.wait(WAIT), "the slow service never got its first calls"

        quick = delivery_start(
            connection=fast_connection, user=alice, source="widget", widget_id=99
        )
        delivery_dispatch(quick.pk)
        wait_until(lambda: finished(quick), "the fast service's call waited behind the slow one")

        quick.refresh_from_db()
        assert (quick.outcome, quick.http_status) == ("succeeded", 200)
        assert fast.arrived == [str(quick.idempotency_key)]
        # The slow host still holds its calls: two at a time reach it, the rest queue behind.
        assert len(slow.arrived) == tasks.CALLS_PER_HOST
        assert not finished(*held)
    finally:
        slow.release.set()
        # Let every queued call end before the test database is emptied under the threads.
        wait_until(lambda: finished(*held), "the slow service's calls never finished")
    assert sorted(slow.arrived) == sorted(str(d.idempotency_key) for d in held)
    assert set(
        Delivery.objects.filter(pk__in=[d.pk for d in held]).values_list("outcome", flat=True)
    ) == {"succeeded"}


def test_it_caps_the_hosts_served_at_once_and_serves_a_waiting_host_next(monkeypatch):
    """Past the cap a new host waits for a lane, in arrival order, rather than adding threads."""
    gates = {n: threading.Event() for n in range(4)}
    ran = {n: threading.Event() for n in range(4)}

    def run(delivery_id: int) -> None:
        ran[delivery_id].set()
        gates[delivery_id].wait(WAIT)

    monkeypatch.setattr(tasks, "_run", run)
    lanes = tasks._Lanes(per_host=1, busy_hosts=2)
    lanes.submit((1, "a.example"), 0)
    lanes.submit((1, "b.example"), 1)
    lanes.submit((1, "c.example"), 2)  # both lanes are busy: c waits
    lanes.submit((1, "a.example"), 3)  # behind a's first call, in a's own lane
    try:
        assert ran[0].wait(WAIT) and ran[1].wait(WAIT)
        assert not ran[2].is_set() and not ran[3].is_set()
        gates[1].set()  # b's lane empties: the waiting host gets it
        assert ran[2].wait(WAIT)
        assert not ran[3].is_set()  # a allows one call at a time here
        gates[0].set()
        assert ran[3].wait(WAIT)
    finally:
        for gate in gates.values():
            gate.set()
    wait_until(lambda: not lanes._threads, "the lanes' threads did not end once idle")
    assert not lanes._queues
