"""300 clicks from 4 operating-system processes on one (workspace, host): exactly 100 leave.

The children share the test database (SQLite file or PostgreSQL) and click at the same moment; a
real HTTP server on 127.0.0.1 counts what arrives. Runs on whichever backend DATABASE_URL names.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection as db
from django.utils import timezone

from integrations.models import Delivery
from tests.integrations.delivery_support import serve
from tests.support.connections import connection_make
from tests.support.personas import clickers
from workspace.models import Workspace

PROCESSES = 4
CLICKS_PER_PROCESS = 75
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver():
    server = serve()
    yield server
    server.shutdown()
    server.server_close()


def database_url() -> str:
    """The test database this process uses, as a URL the children's settings read."""
    params = db.settings_dict
    if params["ENGINE"] == "django.db.backends.sqlite3":
        name = str(params["NAME"])
        assert "memory" not in name, "the race needs a file database other processes can open"
        return f"sqlite:///{Path(name).resolve()}"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = f"{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}"
    return f"postgres://{params['USER']}{password}@{host}/{params['NAME']}"


@pytest.mark.django_db(transaction=True)  # committed rows: the children must see them
def test_it_sends_exactly_100_of_300_clicks_racing_from_4_processes(receiver, tmp_path):
    workspace = Workspace.objects.create(name="Acme")
    users = clickers(workspace, PROCESSES)
    port = receiver.server_address[1]
    connection = connection_make(workspace, url=f"http://127.0.0.1:{port}/hooks/run")
    go_file = tmp_path / "go"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": database_url(),
        "OUTBOUND_ALLOWLIST": "127.0.0.1",
        "OUTBOUND_ALLOW_HTTP": "1",
        "TIME_ZONE": settings.TIME_ZONE,
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.integrations.quota_race_child"]
            + [str(connection.pk), str(user.pk), str(CLICKS_PER_PROCESS), str(go_file)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for user in users
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        go_file.touch()
        results = [child.communicate(timeout=60) for child in children]
    finally:
        for child in children:
            child.kill()
    for child, (_out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err

    deliveries = list(Delivery.objects.order_by("created_at", "id"))
    assert len(deliveries) == PROCESSES * CLICKS_PER_PROCESS
    sent = [d for d in deliveries if d.counts_toward_quota]
    refused = [d for d in deliveries if d.outcome == Delivery.Outcome.REFUSED]
    assert len(receiver.arrived) == 100
    assert len(sent) == 100 and {d.outcome for d in sent} == {Delivery.Outcome.SUCCEEDED}
    assert sorted(receiver.arrived) == sorted(str(d.idempotency_key) for d in sent)
    assert len(refused) == 200 and not any(d.counts_toward_quota for d in refused)
    # The race was real (calls came from several processes), and the ledger is in lock order:
    # the first 100 records are the calls, everything after them was refused.
    assert len({d.user_id for d in sent}) > 1, [out for out, _ in results]
    assert deliveries[:100] == sent and deliveries[100:] == refused

    ends = deliveries[0].created_at + timedelta(hours=1)
    next_at = ends.replace(second=0, microsecond=0)
    next_at += timedelta(minutes=1) if next_at != ends else timedelta()
    expected = (
        "Limit reached: 100 calls an hour to this service — next call possible at "
        f"{timezone.localtime(next_at).strftime('%H:%M %Z')}"
    )
    assert deliveries[100].detail == expected
    assert {d.detail for d in refused} == {expected}
