"""The admin's Test button, a call's status page and the delivery log, as people see them."""

import re
from datetime import timedelta

import pytest
import responses
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from integrations.models import Delivery
from integrations.services.deliveries import delivery_start
from integrations.services.delivery_send import delivery_execute
from tests.integrations.delivery_support import ledger_rows
from tests.support.connections import URL, connection_make
from tests.support.personas import PERSONAS

Outcome = Delivery.Outcome
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _outbound(settings, fake_dns):
    settings.OUTBOUND_ALLOWLIST = []
    settings.OUTBOUND_CALLS_PER_HOUR = 100


@pytest.fixture
def connection(world):
    return connection_make(world.acme, applications=[world.sales])


def record(connection, n=1, *, outcome=Outcome.SUCCEEDED, minutes_ago=1, **fields):
    created = timezone.now() - timedelta(minutes=minutes_ago)
    moments = [created - timedelta(seconds=i) for i in range(n)]
    ledger_rows(connection, moments, outcome=outcome, **fields)


def urls_for(connection, delivery):
    return [
        ("post", reverse("integrations:connection_test", args=[connection.pk])),
        ("get", reverse("integrations:delivery_log", args=[connection.pk])),
        ("get", reverse("integrations:delivery_status", args=[delivery.pk])),
    ]


@responses.activate
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_the_workspace_admin_in(world, connection, persona):
    responses.post(URL, body="ok")
    delivery = delivery_start(connection=connection, user=world.victor, source="widget")
    delivery_execute(delivery_id=delivery.pk)
    client = world.client_for(persona)
    for method, url in urls_for(connection, delivery):
        response = getattr(client, method)(url)
        if persona == "alice":
            assert response.status_code in (200, 302), url
        elif persona == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/login/")
        else:
            assert response.status_code == 404, (persona, url)
    sent = 1 if persona == "alice" else 0  # only alice's Test went out
    assert len(responses.calls) == 1 + sent  # victor's click, and that Test
    assert Delivery.objects.filter(source="test").count() == sent


@responses.activate
def test_it_sends_nothing_for_another_workspaces_connection(world):
    responses.post(URL, body="ok")
    globex_connection = connection_make(world.globex)
    response = world.client_for("alice").post(
        reverse("integrations:connection_test", args=[globex_connection.pk]), **HTMX
    )
    assert response.status_code == 404
    assert len(responses.calls) == 0 and not Delivery.objects.exists()


@responses.activate
def test_it_shows_the_test_result_with_status_duration_and_response(world, connection):
    responses.post(URL, body='{"run": "queued"}')
    response = world.client_for("alice").post(
        reverse("integrations:connection_test", args=[connection.pk]), **HTMX
    )
    page = response.content.decode()
    assert "<html" not in page  # only the partial
    assert re.search(r"Sent · 200 in \d+ ms", page)
    assert "HTTP status</dt><dd>200" in page
    assert "{&quot;run&quot;: &quot;queued&quot;}" in page
    assert "hx-get" not in page  # final: no more polling
    delivery = Delivery.objects.get()
    assert (delivery.source, delivery.user, delivery.counts_toward_quota) == (
        "test",
        world.alice,
        True,
    )


@responses.activate
def test_it_takes_a_test_without_javascript_to_the_calls_page(world, connection):
    responses.post(URL, status=500, body="boom")
    client = world.client_for("alice")
    response = client.post(reverse("integrations:connection_test", args=[connection.pk]))
    delivery = Delivery.objects.get()
    assert response["Location"] == reverse("integrations:delivery_status", args=[delivery.pk])
    page = client.get(response["Location"]).content.decode()
    assert "The service answered 500" in page and "boom" in page


def test_it_polls_a_pending_call_until_it_is_final(world, connection):
    delivery = delivery_start(connection=connection, user=world.alice, source="test")
    url = reverse("integrations:delivery_status", args=[delivery.pk])
    client = world.client_for("alice")
    pending = client.get(url, **HTMX).content.decode()
    assert f'hx-get="{url}"' in pending and 'hx-trigger="load delay:500ms"' in pending
    assert "Waiting to send…" in pending
    Delivery.objects.filter(pk=delivery.pk).update(
        state="final", outcome=Outcome.TIMED_OUT, detail="No answer within 10 s"
    )
    final = client.get(url, **HTMX).content.decode()
    assert "hx-get" not in final and "No answer within 10 s" in final


def test_it_stops_polling_a_call_whose_result_was_lost(world, connection):
    delivery = delivery_start(connection=connection, user=world.alice, source="test")
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(hours=1))
    page = (
        world.client_for("alice")
        .get(reverse("integrations:delivery_status", args=[delivery.pk]), **HTMX)
        .content.decode()
    )
    assert "hx-get" not in page
    assert "Not sent: it waited too long to be sent — press the button again" in page


def test_it_pages_the_delivery_log_25_at_a_time(world, connection):
    record(connection, 30)
    url = reverse("integrations:delivery_log", args=[connection.pk])
    client = world.client_for("alice")
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert first.count('class="badge outcome-') == 25 and "Page 1 of 2" in first
    assert second.count('class="badge outcome-') == 5 and "Page 2 of 2" in second


def test_it_filters_the_log_by_outcome_and_keeps_the_filter_across_pages(world, connection):
    record(connection, 27, outcome=Outcome.REFUSED)
    record(connection, 3, outcome=Outcome.FAILED, detail="The service answered 502")
    url = reverse("integrations:delivery_log", args=[connection.pk])
    client = world.client_for("alice")
    failed = client.get(url, {"outcome": "failed"}).content.decode()
    assert failed.count("The service answered 502") == 3
    assert 'class="badge outcome-refused"' not in failed
    refused = client.get(url, {"outcome": "refused"}).content.decode()
    assert "?outcome=refused&amp;page=2" in refused


def test_it_swaps_only_the_table_when_htmx_filters(world, connection):
    record(connection, 2, outcome=Outcome.FAILED)
    response = world.client_for("alice").get(
        reverse("integrations:delivery_log", args=[connection.pk]),
        {"outcome": "succeeded"},
        HTTP_HX_TARGET="delivery-table",
        **HTMX,
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="delivery-table">')
    assert "No calls with this outcome." in page


def test_it_explains_an_unknown_outcome_next_to_the_filter_and_shows_everything(world, connection):
    record(connection, 2, outcome=Outcome.FAILED)
    page = (
        world.client_for("alice")
        .get(reverse("integrations:delivery_log", args=[connection.pk]), {"outcome": "nope"})
        .content.decode()
    )
    assert "Select a valid choice. nope is not one of the available choices." in page
    assert page.count('class="badge outcome-failed"') == 2


def test_it_shows_the_calls_left_this_hour_per_host(world, connection, settings):
    settings.TIME_ZONE = "UTC"
    other = connection_make(world.acme, name="Other", url="https://other.example.org/run")
    record(connection, 100, minutes_ago=10)
    record(other, 3)
    page = (
        world.client_for("alice")
        .get(reverse("integrations:delivery_log", args=[connection.pk]))
        .content.decode()
    )
    oldest = Delivery.objects.filter(connection=connection).order_by("created_at").first()
    ends = oldest.created_at + timedelta(hours=1)
    shown = (ends.replace(second=0, microsecond=0) + timedelta(minutes=1)).strftime("%H:%M")
    cell = r"\s*<td[^>]*>"
    assert re.search(
        r"api.example.com</th>" + cell + "100</td>" + cell + "0</td>" + cell + shown, page
    )
    assert re.search(
        r"other.example.org</th>" + cell + "3</td>" + cell + "97</td>" + cell + "now", page
    )


def test_it_renders_the_activity_box_for_the_connection_pane(world, connection):
    record(connection, 4)
    request = RequestFactory().get("/")
    html = Template("{% load delivery_tags %}{% connection_activity connection %}").render(
        Context({"connection": connection, "request": request, "csrf_token": "tok"})
    )
    assert "96 of 100 calls left this hour to api.example.com" in html
    assert reverse("integrations:connection_test", args=[connection.pk]) in html
    assert reverse("integrations:delivery_log", args=[connection.pk]) in html
    assert 'name="csrfmiddlewaretoken" value="tok"' in html
    connection.enabled = False
    html = Template("{% load delivery_tags %}{% connection_activity connection %}").render(
        Context({"connection": connection})
    )
    assert "Enable the connection to test it." in html and "hx-post" not in html


@responses.activate
def test_it_offers_the_test_button_in_the_connection_pane_and_sends_from_it(world, connection):
    responses.post(URL, body="ok")
    client = world.client_for("alice")
    pane = client.get(reverse("integrations:connection_edit", args=[connection.pk])).content
    test_url = reverse("integrations:connection_test", args=[connection.pk])
    assert f'hx-post="{test_url}"'.encode() in pane
    assert b"100 of 100 calls left this hour to api.example.com" in pane
    client.post(test_url, **HTMX)
    pane = client.get(reverse("integrations:connection_edit", args=[connection.pk])).content
    assert b"99 of 100 calls left this hour to api.example.com" in pane
    assert len(responses.calls) == 1


@responses.activate
def test_a_test_answer_brings_the_new_calls_left_count_with_it(world, connection):
    responses.post(URL, body="ok")
    test_url = reverse("integrations:connection_test", args=[connection.pk])
    answer = world.client_for("alice").post(test_url, **HTMX).content.decode()
    # Swapped in beside the button (out of band): no reload needed to see the slot it took.
    assert f'id="calls-left-{connection.pk}" hx-swap-oob="true"' in answer
    assert "99 of 100 calls left this hour to api.example.com" in answer


def test_it_shows_a_call_to_its_clicker_and_the_admin_only(world, connection):
    from django.http import Http404

    from integrations.selectors.deliveries import delivery_get_for_user

    delivery = delivery_start(connection=connection, user=world.victor, source="widget")
    assert delivery_get_for_user(user=world.victor, delivery_id=delivery.pk) == delivery
    assert delivery_get_for_user(user=world.alice, delivery_id=delivery.pk) == delivery
    for outsider in (world.erin, world.oscar):
        with pytest.raises(Http404):
            delivery_get_for_user(user=outsider, delivery_id=delivery.pk)


def test_it_hides_another_workspaces_call_from_the_admin(world):
    globex_delivery = delivery_start(
        connection=connection_make(world.globex), user=world.oscar, source="test"
    )
    client = world.client_for("alice")
    url = reverse("integrations:delivery_status", args=[globex_delivery.pk])
    assert client.get(url).status_code == 404
    assert client.get(url, **HTMX).status_code == 404
