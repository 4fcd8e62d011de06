"""What delivery_execute checks when a queued click finally runs: it has not waited past
DELIVERY_MAX_WAIT (the page then already says it was not sent), and the connection still points
at the host the quota counted. Either way a call that is not sent gives its slot back."""

from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from integrations.models import Delivery
from integrations.selectors.deliveries import delivery_max_wait, host_quota
from integrations.services.connections import connection_update
from integrations.services.deliveries import delivery_start
from integrations.services.delivery_send import delivery_execute
from tests.support.connections import URL, connection_make

pytestmark = pytest.mark.django_db
Outcome = Delivery.Outcome
OTHER_URL = "https://other.example.org/hooks/forecast"


@pytest.fixture(autouse=True)
def _outbound(settings, fake_dns):
    settings.OUTBOUND_ALLOWLIST = []
    settings.OUTBOUND_CONNECT_TIMEOUT = 5.0
    settings.OUTBOUND_DEADLINE = 15.0
    settings.OUTBOUND_CALLS_PER_HOUR = 100


@pytest.fixture
def receiver():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(URL, body="ok")
        mock.post(OTHER_URL, body="ok")
        yield mock


@pytest.fixture
def connection(world):
    connection = connection_make(world.acme, applications=[world.sales])
    connection.created_by = world.alice  # as Setup records it, so the admin's edit validates
    connection.save(update_fields=["created_by"])
    return connection


def click(connection, user, *, widget_id=7):
    return delivery_start(connection=connection, user=user, source="widget", widget_id=widget_id)


def move(connection, world, *, url: str) -> None:
    """The Workspace Admin points the connection at `url`, entering the same headers and body
    again (a new host needs them entered again)."""
    connection_update(
        connection=connection,
        actor=world.alice,
        name=connection.name,
        applications=[world.sales],
        url=url,
        headers=connection.headers,
        body=connection.body,
    )


def age(delivery, by: timedelta) -> None:
    """The click happened `by` ago: it sat in a queue, or its process stopped."""
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - by)


def test_it_does_not_send_a_click_that_waited_past_the_longest_wait(world, connection, receiver):
    waited = click(connection, world.victor)
    age(waited, delivery_max_wait() + timedelta(seconds=1))

    delivery = delivery_execute(delivery_id=waited.pk)

    assert len(receiver.calls) == 0
    assert (delivery.state, delivery.outcome, delivery.reason, delivery.detail) == (
        "final",
        Outcome.LOST,
        "stale",
        "Not sent: it waited too long to be sent — press the button again",
    )
    assert delivery.finished_at is not None and delivery.counts_toward_quota is False
    assert host_quota(workspace=world.acme, host=connection.host).used == 0
    # A second run (a task queue delivering twice) changes nothing and sends nothing.
    assert delivery_execute(delivery_id=waited.pk).detail == delivery.detail
    assert len(receiver.calls) == 0


def test_it_sends_only_the_new_click_when_a_lost_one_runs_after_it(world, connection, receiver):
    lost = click(connection, world.victor)
    age(lost, delivery_max_wait() + timedelta(seconds=1))
    again = click(connection, world.victor)  # the lost click no longer holds the button back
    assert again.outcome == Outcome.PENDING

    delivery_execute(delivery_id=again.pk)
    delivery_execute(delivery_id=lost.pk)  # the queue finally gets to the old one

    keys = [call.request.headers["Idempotency-Key"] for call in receiver.calls]
    assert keys == [str(again.idempotency_key)]


def test_it_sends_a_click_that_waited_in_line_for_less_than_the_longest_wait(
    world, connection, receiver, settings
):
    settings.DELIVERY_MAX_WAIT = 300
    late = click(connection, world.victor)
    age(late, timedelta(seconds=301))
    assert delivery_execute(delivery_id=late.pk).outcome == Outcome.LOST
    in_time = click(connection, world.victor, widget_id=8)
    age(in_time, timedelta(seconds=295))
    assert delivery_execute(delivery_id=in_time.pk).outcome == Outcome.SUCCEEDED
    assert len(receiver.calls) == 1


def test_it_gives_the_slot_of_a_click_that_waited_too_long_back(
    world, connection, receiver, settings
):
    settings.OUTBOUND_CALLS_PER_HOUR = 1
    waited = click(connection, world.victor)
    age(waited, delivery_max_wait() + timedelta(seconds=1))
    delivery_execute(delivery_id=waited.pk)
    assert click(connection, world.erin).outcome == Outcome.PENDING


def test_it_does_not_send_when_the_url_moved_to_another_host_after_the_click(
    world, connection, receiver, settings
):
    settings.OUTBOUND_CALLS_PER_HOUR = 1
    pending = click(connection, world.victor)
    move(connection, world, url=OTHER_URL)

    delivery = delivery_execute(delivery_id=pending.pk)

    assert len(receiver.calls) == 0  # neither the old host nor the new one
    assert (delivery.outcome, delivery.detail, delivery.host) == (
        Outcome.BLOCKED,
        "Not sent: the connection's address changed after the click",
        "api.example.com",
    )
    assert delivery.counts_toward_quota is False
    # Neither host lost a call to it: both have their one call this hour left.
    for host in ("api.example.com", "other.example.org"):
        assert host_quota(workspace=world.acme, host=host).left == 1
    # The next click is counted against the new host and goes there.
    delivery_execute(delivery_id=click(connection, world.victor).pk)
    assert [call.request.url for call in receiver.calls] == [OTHER_URL]


def test_it_still_sends_when_only_the_path_changed_after_the_click(world, connection, receiver):
    pending = click(connection, world.victor)
    move(connection, world, url="https://api.example.com/hooks/other")
    receiver.post("https://api.example.com/hooks/other", body="ok")
    assert delivery_execute(delivery_id=pending.pk).outcome == Outcome.SUCCEEDED
    assert [call.request.url for call in receiver.calls] == ["https://api.example.com/hooks/other"]


@responses.activate
def test_headers_saved_before_a_rule_was_added_are_not_sent(world):
    # Stored directly, as an older release's setup would have saved them.
    connection = connection_make(world.acme, headers={"X-Real-IP": "203.0.113.7"})
    delivery = delivery_start(connection=connection, user=world.alice, source=Delivery.Source.TEST)
    delivery = delivery_execute(delivery_id=delivery.pk)
    assert delivery.outcome == Delivery.Outcome.BLOCKED
    assert "stored headers break a rule" in delivery.detail
    assert delivery.counts_toward_quota is False
    assert len(responses.calls) == 0
