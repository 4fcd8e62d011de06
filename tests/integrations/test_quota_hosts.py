"""The hourly quota counts a host once, however its address is written."""

import pytest
import responses

from integrations.models import Connection, Delivery
from integrations.selectors.deliveries import calls_left_this_hour
from integrations.services.deliveries import delivery_start
from integrations.services.delivery_send import delivery_execute
from tests.support.connections import connection_make

pytestmark = pytest.mark.django_db

# Seven spellings of one public address; browsers and the OS all connect to 8.8.8.8.
SPELLINGS = [
    "134744072",
    "0x8080808",
    "8.8.2056",
    "010.010.010.010",
    "[::ffff:8.8.8.8]",
    "[0:0:0:0:0:ffff:808:808]",
    "8.8.8.8",
]


@pytest.fixture(autouse=True)
def _outbound(settings, fake_dns):
    settings.OUTBOUND_ALLOWLIST = []
    settings.OUTBOUND_CALLS_PER_HOUR = 6


def test_it_counts_seven_spellings_of_one_address_as_one_host(world):
    connections = [
        connection_make(
            world.acme,
            actor=world.alice,
            name=f"Spelling {n}",
            applications=[world.sales],
            url=f"https://{spelling}/hooks/run",
            headers="",
            body="",
        )
        for n, spelling in enumerate(SPELLINGS)
    ]
    assert {c.host for c in Connection.objects.all()} == {"8.8.8.8"}

    clicks = [
        delivery_start(connection=c, user=world.victor, source="widget", widget_id=c.pk)
        for c in connections
    ]

    assert [d.outcome for d in clicks] == ["pending"] * 6 + ["refused"]
    assert clicks[-1].detail.startswith("Limit reached: 6 calls an hour to this service — ")
    assert [(q.host, q.used, q.left) for q in calls_left_this_hour(workspace=world.acme)] == [
        ("8.8.8.8", 6, 0)
    ]


@responses.activate
def test_it_counts_a_connection_saved_with_an_odd_spelling_under_the_address(world):
    # Saved before setup stored the canonical spelling: the host column holds it as typed.
    legacy = connection_make(world.acme, url="https://0x8080808/hooks/run")
    assert legacy.host == "0x8080808"
    responses.post("https://8.8.8.8/hooks/run", body="ok")

    delivery = delivery_start(connection=legacy, user=world.victor, source="test")
    assert delivery.host == "8.8.8.8"
    delivery = delivery_execute(delivery_id=delivery.pk)

    assert delivery.outcome == Delivery.Outcome.SUCCEEDED  # not mistaken for a changed address
    assert [call.request.url for call in responses.calls] == ["https://8.8.8.8/hooks/run"]
    assert [(q.host, q.used) for q in calls_left_this_hour(workspace=world.acme)] == [
        ("8.8.8.8", 1)
    ]
