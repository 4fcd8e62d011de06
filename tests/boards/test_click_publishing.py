"""A click answers once its record is committed, without waiting on the broker: the message goes
out from the process's publishing thread. A broker that refuses it loses nothing: the row stays
waiting for the sweep to hand on."""

from __future__ import annotations

import logging
import threading
import time

from django.urls import reverse

from integrations.models import Delivery
from integrations.tasks import delivery_send_task
from tests.boards.test_click import HTMX


def _until(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _click(world, widget, django_capture_on_commit_callbacks):
    client = world.client_for("victor")
    url = reverse("boards:widget_click", args=[world.sales_board.pk, widget.pk])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, headers=HTMX)


def test_a_click_answers_while_the_broker_is_slow_and_its_message_follows(
    world, action_widget, queued_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    broker_answers = threading.Event()
    published: list[tuple] = []

    def slow_broker(*args):
        broker_answers.wait(10)
        published.append(args)

    monkeypatch.setattr(delivery_send_task, "delay", slow_broker)

    response = _click(world, action_widget, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "Waiting to send" in response.content.decode()
    assert published == []  # answered before the broker did
    broker_answers.set()
    delivery = Delivery.objects.get()
    assert _until(lambda: published == [(delivery.pk,)])


def test_a_broker_that_refuses_the_message_leaves_the_click_waiting_for_the_sweep(
    world, action_widget, queued_tasks, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    attempts: list[tuple] = []

    def broker_down(*args):
        attempts.append(args)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(delivery_send_task, "delay", broker_down)

    with caplog.at_level(logging.ERROR, logger="config.celery"):
        response = _click(world, action_widget, django_capture_on_commit_callbacks)
        assert response.status_code == 200
        assert _until(lambda: attempts and "sweep will hand it on" in caplog.text)

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.WAITING
    assert delivery.counts_toward_quota
