"""A request's messages for the workers leave once its response has been sent, so publishing
does not hold up the answer; outside a request (a worker handing a slot on) they leave at once."""

from __future__ import annotations

from concurrent.futures import Future

import pytest
from django.core.signals import request_finished, request_started

from config import celery as celery_module
from config.celery import enqueue_after_commit
from integrations.tasks import delivery_send_task

# Outside a transaction, as a request's commits are: on_commit hands the message on at once.
pytestmark = pytest.mark.django_db(transaction=True)


class _RightAway:
    """A publisher that publishes in the caller's thread, and remembers what it published."""

    def __init__(self) -> None:
        self.published: list[tuple] = []

    def submit(self, function, task, args) -> Future:
        self.published.append((task.name, args))
        done: Future = Future()
        done.set_result(None)
        return done


@pytest.fixture
def publisher(monkeypatch, queued_tasks):
    right_away = _RightAway()
    monkeypatch.setattr(celery_module, "_publisher", lambda: right_away)
    return right_away


def test_a_requests_message_leaves_when_its_response_is_closed(publisher):
    request_started.send(sender=None)
    enqueue_after_commit(delivery_send_task, 41)
    enqueue_after_commit(delivery_send_task, 42)
    assert publisher.published == []

    request_finished.send(sender=None)

    assert publisher.published == [
        (delivery_send_task.name, (41,)),
        (delivery_send_task.name, (42,)),
    ]
    request_started.send(sender=None)  # the next request starts with nothing held
    request_finished.send(sender=None)
    assert len(publisher.published) == 2


def test_a_message_from_outside_a_request_leaves_at_once(publisher):
    enqueue_after_commit(delivery_send_task, 43)
    assert publisher.published == [(delivery_send_task.name, (43,))]


def test_what_an_aborted_request_held_leaves_with_the_next_request(publisher):
    request_started.send(sender=None)
    enqueue_after_commit(delivery_send_task, 44)  # its response is never closed

    request_started.send(sender=None)

    assert publisher.published == [(delivery_send_task.name, (44,))]
    request_finished.send(sender=None)
