"""The Action widget's last run says what came back for the click: the imports a pipeline pushed
with ?deliveryId=<its Switchboard-Delivery-Id>. Everyone who may open the board reads it, live,
in words without technical detail, and the board costs no query more for it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from boards.live import Watch, board_live_changes
from datasets.models import ImportJob
from datasets.services import import_configuration_create
from integrations.selectors.delivery_answers import AnswerStatus
from integrations.services.delivery_words import delay_words
from tests.boards.conftest import add_action, board_stamp_on_page, delivery_for
from tests.boards.test_board_queries import BOARD_QUERIES, board_queries

pytestmark = pytest.mark.django_db

Status = ImportJob.Status


@pytest.fixture
def action(world, connection):
    return add_action(world.sales_board, connection, button_label="Refresh forecast")


@pytest.fixture
def configuration(world, dataset):
    return import_configuration_create(
        workspace=world.acme, name="Forecast push", dataset=dataset, mode="replace"
    )


def answer(delivery, configuration, *, status=Status.SUCCEEDED, after: float | None = None):
    """An import that names `delivery`, finished `after` seconds after the call was sent."""
    started = delivery.sending_started_at or delivery.created_at
    finished = started + timedelta(seconds=after) if after is not None else None
    return ImportJob.objects.create(
        workspace_id=delivery.workspace_id,
        configuration=configuration,
        status=status,
        rows_received=3,
        rows_imported=3 if status == Status.SUCCEEDED else 0,
        errors=["Line 3: 'abc' is not a number in column revenue."]
        if status == Status.FAILED
        else [],
        finished_at=finished,
        delivery=delivery,
    )


def sent_click(action, user, **fields):
    now = timezone.now()
    return delivery_for(
        action,
        user,
        created_at=now - timedelta(seconds=10),
        sending_started_at=now - timedelta(seconds=9),
        finished_at=now - timedelta(seconds=8.9),
        **fields,
    )


def last_run_line(world, action, persona="victor") -> str:
    page = world.client_for(persona).get(reverse("boards:detail", args=[world.sales_board.pk]))
    html = page.content.decode()
    match = re.search(rf'<p id="widget-{action.pk}-last-run".*?</p>', html, re.S)
    assert match, html
    return match.group(0)


def test_the_viewer_reads_when_the_results_arrived(world, action, configuration):
    delivery = sent_click(action, world.erin)
    answer(delivery, configuration, after=3.2)
    line = last_run_line(world, action)
    assert line.endswith("· Sent · results arrived 3.2 s later</p>")
    assert "Last run by erin at" in line
    assert 'data-results="arrived"' in line
    # Words for people: no host, address, status code or response.
    for technical in ("api.example.com", "93.184.216.34", "200", "ms", "secret-looking"):
        assert technical not in line.split("</time>")[1]


def test_it_counts_from_the_send_and_uses_minutes_past_90_seconds(world, action, configuration):
    delivery = sent_click(action, world.erin)
    answer(delivery, configuration, after=150)
    assert "· Sent · results arrived 3 min later</p>" in last_run_line(world, action)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.04, "0.0 s"),
        (3.25, "3.3 s"),
        (9.96, "10 s"),
        (45.4, "45 s"),
        (90, "90 s"),
        (91, "2 min"),
        (150, "3 min"),
        (-2, "0.0 s"),
    ],
)
def test_delays_read_as_seconds_then_minutes(seconds, words):
    assert delay_words(seconds) == words


@pytest.mark.parametrize("status", [Status.QUEUED, Status.RUNNING])
def test_results_under_way_read_as_arriving(world, action, configuration, status):
    delivery = sent_click(action, world.erin)
    answer(delivery, configuration, status=status)
    line = last_run_line(world, action)
    assert line.endswith("· Sent · results arriving…</p>")
    assert 'data-results="arriving"' in line


def test_a_failed_import_says_so_without_its_errors(world, action, configuration):
    delivery = sent_click(action, world.erin)
    answer(delivery, configuration, status=Status.FAILED, after=2)
    line = last_run_line(world, action)
    assert line.endswith("· Sent · the results could not be imported</p>")
    assert "Line 3" not in line and "revenue" not in line
    # The admin's delivery log names the import and its status.
    log = world.client_for("alice").get(reverse("integrations:delivery_log_all")).content.decode()
    assert '<span class="badge outcome-failed">Failed</span>' in log


def test_one_import_still_running_keeps_the_results_arriving(world, action, configuration):
    delivery = sent_click(action, world.erin)
    answer(delivery, configuration, after=2)
    answer(delivery, configuration, status=Status.RUNNING)
    assert last_run_line(world, action).endswith("· Sent · results arriving…</p>")


def test_a_click_nobody_answered_reads_as_before(world, action, configuration):
    sent_click(action, world.erin)
    line = last_run_line(world, action)
    assert line.endswith("· Sent</p>") and "data-results" not in line


def test_only_the_last_runs_results_count(world, action, configuration):
    earlier = sent_click(action, world.erin)
    answer(earlier, configuration, after=2)
    later = delivery_for(action, world.victor)
    assert last_run_line(world, action).endswith("· Sent</p>")
    answer(later, configuration, status=Status.QUEUED)
    assert last_run_line(world, action).endswith("· Sent · results arriving…</p>")


def test_the_board_costs_no_query_more_for_the_results(world, action, configuration, connection):
    widgets = [action] + [
        add_action(world.sales_board, connection, button_label=f"Run {n}") for n in range(3)
    ]
    without = board_queries(world)
    for widget in widgets:
        delivery = sent_click(widget, world.erin)
        answer(delivery, configuration, after=1)
        answer(delivery, configuration, status=Status.RUNNING)
    assert board_queries(world) == without <= BOARD_QUERIES


def test_the_import_status_values_are_the_ones_integrations_reads():
    assert {status.value for status in AnswerStatus} == set(Status.values)


def live(world, since: str) -> str:
    watch = Watch(world.victor.pk, world.sales_board.pk, since, timezone.now())
    return "".join(event.data for _, event in board_live_changes([watch]))


def test_an_open_board_follows_the_results_live(world, action, configuration):
    delivery = sent_click(action, world.erin)
    since = board_stamp_on_page(world.client_for("victor"), world.sales_board)

    job = answer(delivery, configuration, status=Status.QUEUED)
    html = live(world, since)
    assert f'<p id="widget-{action.pk}-last-run"' in html
    assert "· Sent · results arriving…</p>" in html
    since = board_stamp_on_page(world.client_for("victor"), world.sales_board)

    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING)
    assert live(world, since) == ""  # the same words: nothing to redraw

    finished = (delivery.sending_started_at or delivery.created_at) + timedelta(seconds=4)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.SUCCEEDED, finished_at=finished)
    html = live(world, since)
    assert "· Sent · results arrived 4.0 s later</p>" in html
    assert 'hx-swap-oob="true"' in html


def test_an_import_answering_another_boards_click_leaves_this_board_alone(
    world, action, configuration, connection
):
    connection.applications.add(world.workforce)
    other = add_action(world.workforce_board, connection, button_label="Plan")
    since = board_stamp_on_page(world.client_for("victor"), world.sales_board)
    answer(sent_click(other, world.alice), configuration, after=1)
    assert live(world, since) == ""
