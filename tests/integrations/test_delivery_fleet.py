"""The send path across processes, with real `celery worker` processes on the test's broker
(the filesystem broker, or Redis on the CI lane that sets REDIS_URL):

- 300 clicks racing from 4 processes over 2 hosts: exactly 100 reach each host, and with two
  worker processes never more than 2 requests are at one receiver at once;
- a worker killed with `kill -9` while 50 calls to a slow receiver wait: once a new worker runs
  and the sweep has run, every click has exactly one final record, the receiver saw each
  idempotency key at most once, and the calls the dead worker was making end "no result
  recorded" instead of being sent again.

The names a.test and b.test reach receivers on 127.0.0.1 (tests/worker_main.py), so the quota and
the per-host limit see two hosts.
"""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from integrations.models import Delivery
from integrations.selectors.deliveries import CALLS_PER_HOST, delivery_sending_dead_after
from integrations.services import SOURCE_WIDGET, SendOrigin, connection_send
from integrations.services.delivery_sweep import HAND_ON_AFTER, delivery_sweep
from tests.celery_worker import celery_worker_process, worker_environment
from tests.integrations.delivery_support import serve
from tests.support.connections import connection_make
from tests.support.personas import clickers
from workspace.models import Workspace

ROOT = Path(__file__).resolve().parents[2]
HOSTS = {"a.test": ["127.0.0.1"], "b.test": ["127.0.0.1"]}
WORKER_ENV = {"OUTBOUND_ALLOWLIST": "127.0.0.1", "OUTBOUND_ALLOW_HTTP": "1"}
PROCESSES = 4
CLICKS_PER_PROCESS = 75
WAIT = 90

pytestmark = pytest.mark.django_db(transaction=True)  # other processes see committed rows only


@pytest.fixture
def outbound(settings):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.OUTBOUND_ALLOW_HTTP = True


def wait_until_all_final(message: str, workers=()) -> None:
    ends = time.monotonic() + WAIT
    while Delivery.objects.exclude(state=Delivery.State.FINAL).exists():
        if time.monotonic() > ends:
            logs = "".join("".join(worker.log[-20:]) for worker in workers)
            raise AssertionError(f"{message}\n{logs}")
        time.sleep(0.1)


def test_300_racing_clicks_over_2_hosts_send_exactly_100_to_each(outbound, tmp_path):
    workspace = Workspace.objects.create(name="Acme")
    users = clickers(workspace, PROCESSES)
    receivers = {"a.test": serve(delay=0.05), "b.test": serve(delay=0.05)}
    connections = [
        connection_make(workspace, name=name, url=f"http://{name}:{server.port}/run", body="")
        for name, server in receivers.items()
    ]
    go_file = tmp_path / "go"
    env = worker_environment(**WORKER_ENV)
    with ExitStack() as stack:
        workers = [
            stack.enter_context(celery_worker_process(concurrency=8, fake_dns=HOSTS, **WORKER_ENV))
            for _ in range(2)
        ]
        children = [
            subprocess.Popen(  # noqa: S603 (our own command line)
                [sys.executable, "-m", "tests.integrations.click_race_child"]
                + [str(user.pk), str(CLICKS_PER_PROCESS), str(go_file)]
                # Every other process takes the hosts the other way round: 150 clicks each.
                + [str(connection.pk) for connection in connections[:: 1 if n % 2 else -1]],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n, user in enumerate(users)
        ]
        try:
            for child in children:
                assert child.stdout.readline().strip() == "ready", child.stderr.read()
            go_file.touch()
            for child in children:
                _out, err = child.communicate(timeout=WAIT)
                assert child.returncode == 0, err
        finally:
            for child in children:
                child.kill()
        wait_until_all_final("the workers did not finish every click", workers)
    for server in receivers.values():
        server.shutdown()

    assert Delivery.objects.count() == PROCESSES * CLICKS_PER_PROCESS
    for name, server in receivers.items():
        rows = Delivery.objects.filter(host=name)
        sent = rows.filter(outcome=Delivery.Outcome.SUCCEEDED)
        assert len(server.arrived) == 100, name
        assert sorted(server.arrived) == sorted(
            str(key) for key in sent.values_list("idempotency_key", flat=True)
        )
        assert rows.filter(outcome=Delivery.Outcome.REFUSED, reason="quota").count() == 50
        assert 1 <= server.most_at_once <= CALLS_PER_HOST, name


def test_a_worker_killed_mid_send_leaves_one_final_record_per_click(outbound):
    workspace = Workspace.objects.create(name="Acme")
    (user,) = clickers(workspace, 1)
    slow = serve(delay=0.4)
    connection = connection_make(workspace, url=f"http://a.test:{slow.port}/run", body="")
    with celery_worker_process(concurrency=4, fake_dns=HOSTS, **WORKER_ENV) as worker:
        ids = [
            connection_send(
                connection=connection,
                user=user,
                source=SOURCE_WIDGET,
                origin=SendOrigin(widget_id=n),
            ).delivery_id
            for n in range(50)
        ]
        ends = time.monotonic() + WAIT
        while len(slow.arrived) < 5:
            assert time.monotonic() < ends, "".join(worker.log[-30:])
            time.sleep(0.01)
        worker.kill()  # kill -9, most likely in the middle of two sends
    in_flight = set(
        Delivery.objects.filter(state=Delivery.State.SENDING).values_list("pk", flat=True)
    )
    arrived_before = len(slow.arrived)

    # Later: no send lasts as long as sending_dead_after, and the waiting clicks' own messages
    # went down with the worker. The sweep records the first and hands the rest on.
    Delivery.objects.filter(pk__in=in_flight).update(
        sending_started_at=timezone.now() - delivery_sending_dead_after() - timedelta(seconds=1)
    )
    Delivery.objects.filter(state=Delivery.State.WAITING).update(
        created_at=timezone.now() - HAND_ON_AFTER - timedelta(seconds=1)
    )
    with celery_worker_process(concurrency=4, fake_dns=HOSTS, **WORKER_ENV) as worker:
        report = delivery_sweep()
        assert report.unknown == len(in_flight)
        wait_until_all_final("the new worker did not finish the waiting clicks", [worker])
    slow.shutdown()

    rows = Delivery.objects.filter(pk__in=ids)
    assert rows.count() == 50 and not rows.exclude(state=Delivery.State.FINAL).exists()
    unknown = rows.filter(outcome=Delivery.Outcome.UNKNOWN)
    assert set(unknown.values_list("pk", flat=True)) == in_flight
    assert {row.detail for row in unknown} <= {
        "No result recorded — the service may have received it"
    }
    assert all(row.counts_toward_quota for row in unknown)  # the service may have got them
    succeeded = rows.filter(outcome=Delivery.Outcome.SUCCEEDED)
    assert succeeded.count() + unknown.count() == 50
    # Each key at most once: nothing was sent twice, the dead worker's calls included.
    assert len(slow.arrived) == len(set(slow.arrived))
    keys = {str(key) for key in rows.values_list("idempotency_key", flat=True)}
    assert set(slow.arrived) <= keys
    assert {str(r.idempotency_key) for r in succeeded} <= set(slow.arrived)
    assert len(slow.arrived) >= arrived_before
