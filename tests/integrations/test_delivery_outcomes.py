"""Every outcome of a click, through delivery_start + delivery_execute, as the receiver and the
delivery log see it."""

import re
from datetime import timedelta

import pytest
import requests
import responses
from django.utils import timezone

from integrations import address_policy
from integrations.models import Connection, Delivery
from integrations.services.deliveries import delivery_record_unavailable, delivery_start
from integrations.services.delivery_send import delivery_execute
from integrations.services.delivery_words import delivery_public_message
from tests.integrations.delivery_support import ledger_rows
from tests.support.connections import BODY, BODY_VALUE, KEY_VALUE, URL, connection_make

Outcome = Delivery.Outcome


@pytest.fixture(autouse=True)
def _outbound(settings, fake_dns):
    settings.OUTBOUND_ALLOWLIST = []
    settings.OUTBOUND_ALLOW_HTTP = False
    settings.OUTBOUND_READ_TIMEOUT = 10.0
    settings.OUTBOUND_DEADLINE = 15.0
    settings.OUTBOUND_CALLS_PER_HOUR = 100


@pytest.fixture
def connection(world):
    return connection_make(world.acme, applications=[world.sales])


def click(connection, user, *, widget_id=7, **extra):
    delivery = delivery_start(
        connection=connection,
        user=user,
        source=Delivery.Source.WIDGET,
        board_id=1,
        widget_id=widget_id,
        board_name="Sales Forecast",
        widget_label="Refresh forecast",
        **extra,
    )
    if delivery.outcome == Outcome.PENDING:
        return delivery_execute(delivery_id=delivery.pk)
    return delivery


@responses.activate
def test_it_records_a_success_with_status_duration_and_excerpt(world, connection):
    responses.post(URL, body='{"queued": true}')
    delivery = click(connection, world.victor)
    assert delivery.outcome == Outcome.SUCCEEDED
    assert re.fullmatch(r"Sent · 200 in \d+ ms", delivery.detail)
    assert (delivery.http_status, delivery.response_excerpt) == (200, '{"queued": true}')
    assert delivery.duration_ms is not None and delivery.finished_at is not None
    assert delivery.counts_toward_quota
    assert (delivery.user, delivery.host, delivery.widget_label) == (
        world.victor,
        "api.example.com",
        "Refresh forecast",
    )
    sent = responses.calls[0].request
    assert sent.headers["Idempotency-Key"] == str(delivery.idempotency_key)
    assert (sent.body, sent.headers["X-Api-Key"]) == (BODY.encode(), KEY_VALUE)


@responses.activate
def test_it_records_the_status_when_the_service_answers_500(world, connection):
    responses.post(URL, status=500, body="upstream exploded")
    delivery = click(connection, world.victor)
    assert (delivery.outcome, delivery.detail) == (Outcome.FAILED, "The service answered 500")
    assert (delivery.http_status, delivery.response_excerpt) == (500, "upstream exploded")
    assert delivery.counts_toward_quota  # the service got it


@responses.activate
def test_it_records_a_timeout(world, connection):
    responses.post(URL, body=requests.exceptions.ReadTimeout())
    delivery = click(connection, world.victor)
    assert (delivery.outcome, delivery.detail) == (Outcome.TIMED_OUT, "No answer within 10 s")
    assert delivery.http_status is None and delivery.counts_toward_quota


@responses.activate
def test_it_blocks_a_private_literal_at_send_and_gives_the_slot_back(world):
    # Stored before the rules caught it: the send-time check is what stops it.
    connection = connection_make(world.acme, url="https://127.0.0.1/admin")
    delivery = click(connection, world.alice)
    assert (delivery.outcome, delivery.detail) == (
        Outcome.BLOCKED,
        "Blocked: that address is not public",
    )
    assert not delivery.counts_toward_quota
    assert len(responses.calls) == 0


@responses.activate
def test_it_blocks_a_name_that_rebinds_to_loopback_after_setup(world, fake_dns):
    fake_dns.table["api.example.com"] = [["93.184.216.34"], ["127.0.0.1"]]
    address_policy.validate_endpoint_url(URL)  # setup saw a public address
    connection = connection_make(world.acme)
    delivery = click(connection, world.victor)
    assert (delivery.outcome, delivery.detail) == (
        Outcome.BLOCKED,
        "Blocked: that address is not public",
    )
    assert len(responses.calls) == 0


def seed_ledger(connection, user, moments, **fields):
    ledger_rows(connection, moments, user=user, **fields)


def minute_ceiling(moment):
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


@responses.activate
def test_it_refuses_the_101st_call_and_says_when_the_next_is_possible(world, connection, settings):
    settings.TIME_ZONE = "Asia/Kolkata"  # +05:30: the shown time must be local, not UTC
    responses.post(URL, body="ok")
    now = timezone.now()
    oldest = now - timedelta(minutes=50, seconds=17)
    seed_ledger(connection, world.alice, [oldest + timedelta(seconds=i) for i in range(99)])
    # Not counted: older than an hour, refused, or blocked (they never left).
    seed_ledger(connection, world.alice, [now - timedelta(minutes=60, seconds=1)])
    seed_ledger(connection, world.alice, [now], outcome=Outcome.REFUSED, counts_toward_quota=False)
    seed_ledger(connection, world.alice, [now], outcome=Outcome.BLOCKED, counts_toward_quota=False)

    hundredth = click(connection, world.victor)
    refused = click(connection, world.victor)

    assert hundredth.outcome == Outcome.SUCCEEDED and len(responses.calls) == 1
    assert refused.outcome == Outcome.REFUSED and not refused.counts_toward_quota
    at = timezone.localtime(minute_ceiling(oldest + timedelta(hours=1))).strftime("%H:%M %Z")
    assert refused.detail == (
        f"Limit reached: 100 calls an hour to this service — next call possible at {at}"
    )
    assert delivery_public_message(refused) == refused.detail
    assert len(responses.calls) == 1  # the refused click sent nothing


@responses.activate
def test_it_counts_the_quota_per_workspace_and_host(world, connection):
    responses.post(URL, body="ok")
    responses.post("https://other.example.org/run", body="ok")
    seed_ledger(connection, world.alice, [timezone.now() - timedelta(minutes=1)] * 100)
    other_host = connection_make(world.acme, name="Other", url="https://other.example.org/run")
    other_workspace = connection_make(world.globex)
    assert click(other_host, world.alice).outcome == Outcome.SUCCEEDED
    assert click(other_workspace, world.oscar).outcome == Outcome.SUCCEEDED
    assert click(connection, world.alice).outcome == Outcome.REFUSED


@responses.activate
def test_it_ignores_a_second_click_while_the_first_is_in_flight(world, connection):
    responses.post(URL, body="ok")
    first = delivery_start(
        connection=connection, user=world.victor, source=Delivery.Source.WIDGET, widget_id=7
    )
    second = click(connection, world.victor)
    someone_else = delivery_start(
        connection=connection, user=world.erin, source=Delivery.Source.WIDGET, widget_id=7
    )
    assert first.outcome == Outcome.PENDING and first.counts_toward_quota
    assert (second.outcome, second.detail) == (
        Outcome.DUPLICATE,
        "Already sending — wait for the first click to finish",
    )
    assert not second.counts_toward_quota and len(responses.calls) == 0
    assert someone_else.outcome == Outcome.PENDING

    delivery_execute(delivery_id=first.pk)
    # Its slot is handed on: the other person's click, waiting meanwhile, went out next.
    someone_else.refresh_from_db()
    assert someone_else.outcome == Outcome.SUCCEEDED
    assert click(connection, world.victor).outcome == Outcome.SUCCEEDED
    keys = [call.request.headers["Idempotency-Key"] for call in responses.calls]
    assert keys[:2] == [str(first.idempotency_key), str(someone_else.idempotency_key)]
    assert len(keys) == 3


@responses.activate
def test_it_no_longer_holds_back_a_click_whose_first_attempt_was_lost(world, connection):
    responses.post(URL, body="ok")
    lost = delivery_start(
        connection=connection, user=world.victor, source=Delivery.Source.WIDGET, widget_id=7
    )
    Delivery.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    lost.refresh_from_db()
    assert delivery_public_message(lost) == (
        "Not sent: it waited too long to be sent — press the button again"
    )
    assert click(connection, world.victor).outcome == Outcome.SUCCEEDED


@responses.activate
def test_it_blocks_a_disabled_connection_without_counting_it(world, connection):
    connection.enabled = False
    connection.save()
    delivery = click(connection, world.victor)
    assert (delivery.outcome, delivery.detail) == (Outcome.BLOCKED, "This connection is disabled")
    assert not delivery.counts_toward_quota and len(responses.calls) == 0


@responses.activate
def test_it_checks_the_connection_afresh_rather_than_trust_the_callers_copy(world, connection):
    Connection.objects.filter(pk=connection.pk).update(enabled=False)
    assert connection.enabled  # the copy the board loaded a moment earlier
    delivery = click(connection, world.victor)
    assert (delivery.outcome, delivery.detail) == (Outcome.BLOCKED, "This connection is disabled")
    assert len(responses.calls) == 0


@responses.activate
def test_it_blocks_a_connection_no_longer_granted_to_the_boards_application(world, connection):
    delivery = click(connection, world.alice, application=world.workforce)
    assert (delivery.outcome, delivery.detail) == (
        Outcome.BLOCKED,
        "This connection is not available to Workforce",
    )
    assert len(responses.calls) == 0


@responses.activate
def test_it_blocks_a_call_whose_connection_was_disabled_or_deleted_before_sending(
    world, connection
):
    disabled = delivery_start(connection=connection, user=world.alice, source="test")
    connection.enabled = False
    connection.save()
    assert delivery_execute(delivery_id=disabled.pk).detail == "This connection is disabled"
    connection.enabled = True
    connection.save()
    deleted = delivery_start(connection=connection, user=world.alice, source="test")
    connection.delete()
    deleted = delivery_execute(delivery_id=deleted.pk)
    assert (deleted.outcome, deleted.detail) == (Outcome.BLOCKED, "This connection was deleted")
    assert deleted.connection_name == "Forecast pipeline"
    assert len(responses.calls) == 0


@responses.activate
def test_it_records_a_click_whose_connection_is_gone_as_blocked_and_uncounted(world):
    delivery = delivery_record_unavailable(
        workspace=world.acme,
        user=world.victor,
        board_id=1,
        widget_id=7,
        board_name="Sales Forecast",
        widget_label="Refresh forecast",
        detail="This connection was deleted",
    )
    stored = Delivery.objects.get()
    assert stored.pk == delivery.pk
    assert (stored.outcome, stored.detail) == (Outcome.BLOCKED, "This connection was deleted")
    assert (stored.connection, stored.connection_name, stored.host) == (
        None,
        "(deleted connection)",
        "",
    )
    assert (stored.workspace, stored.user, stored.widget_id) == (world.acme, world.victor, 7)
    assert not stored.counts_toward_quota and stored.finished_at is not None
    assert delivery_public_message(stored) == "This connection was deleted"
    assert len(responses.calls) == 0


@responses.activate
def test_it_sends_a_delivery_only_once_however_often_it_is_executed(world, connection):
    responses.post(URL, body="ok")
    delivery = delivery_start(connection=connection, user=world.alice, source="test")
    first = delivery_execute(delivery_id=delivery.pk)
    again = delivery_execute(delivery_id=delivery.pk)
    assert first.outcome == again.outcome == Outcome.SUCCEEDED
    assert len(responses.calls) == 1


@responses.activate
def test_it_hides_secrets_the_service_echoes_and_keeps_2_kib(world, connection):
    echo = (
        '{"headers": {"X-Api-Key": "' + KEY_VALUE + '"}, "json": {"token": "' + BODY_VALUE + '"},'
        ' "url": "' + URL + '", "padding": "' + "x" * 3000 + '"}'
    )
    responses.post(URL, body=echo)
    delivery = click(connection, world.alice)
    for secret in (KEY_VALUE, BODY_VALUE, "s3cret-query-token"):
        assert secret not in delivery.response_excerpt
    assert delivery.response_excerpt.startswith('{"headers": {"X-Api-Key": "[hidden]"}')
    assert "x" * 1500 in delivery.response_excerpt
    assert len(delivery.response_excerpt.encode()) <= 2048


@responses.activate
def test_it_keeps_the_first_2_kib_of_a_multibyte_response(world, connection):
    responses.post(URL, body="é" * 5000)
    delivery = click(connection, world.alice)
    assert delivery.response_excerpt == "é" * 1024  # 2 bytes each


@responses.activate
def test_it_never_stores_a_header_value_or_the_body(world, connection):
    responses.post(URL, body="ok")
    delivery = click(connection, world.alice)
    stored = " ".join(
        str(value) for value in Delivery.objects.filter(pk=delivery.pk).values()[0].values()
    )
    assert "s3cret" not in stored and '"pipeline"' not in stored


@responses.activate
def test_it_tells_viewers_the_outcome_in_words_only(world, connection):
    responses.post(URL, status=500, body="stack trace with internals")
    delivery = click(connection, world.victor)
    # The delivery log keeps the status code; people at the board read what to do.
    assert delivery.detail == "The service answered 500"
    assert delivery_public_message(delivery) == (
        "The service reported a problem and may not have done its work. "
        "Try again in a few minutes or tell your workspace admin."
    )
    pending = delivery_start(connection=connection, user=world.alice, source="test")
    assert delivery_public_message(pending) == "Waiting to send…"
