"""A request's messages for the workers leave once its response has been sent, so publishing
does not hold up the answer; outside a request (a worker handing a slot on) they leave at once."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpResponse
from django.urls import path

from config import celery as celery_module
from config.celery import enqueue_after_commit
from integrations.tasks import delivery_send_task

# Outside a transaction, as a request's commits are: on_commit hands the message on at once.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]

events: list[str] = []


def _enqueuing_view(request):
    enqueue_after_commit(delivery_send_task, 7)
    events.append("view answered")
    return HttpResponse("ok")


urlpatterns = [path("enqueue/", _enqueuing_view)]


class _RightAway:
    """A publisher that publishes in the caller's thread and says when it did."""

    def submit(self, function, task, args) -> Future:
        events.append(f"published {task.name}{args}")
        done: Future = Future()
        done.set_result(None)
        return done


@pytest.fixture(autouse=True)
def publisher(monkeypatch, queued_tasks):
    events.clear()
    monkeypatch.setattr(celery_module, "_publisher", _RightAway)


PUBLISHED = f"published {delivery_send_task.name}(7,)"


def test_under_the_asgi_server_the_message_leaves_after_the_response_body():
    async def serve() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/enqueue/",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 40000),
            "server": ("testserver", 80),
        }
        requests: asyncio.Queue[dict] = asyncio.Queue()
        await requests.put({"type": "http.request", "body": b"", "more_body": False})

        async def send(message) -> None:
            if message["type"] == "http.response.body":
                events.append("body sent")

        await ASGIHandler()(scope, requests.get, send)

    # A loop of its own in a thread of its own: a browser test before this one may have left
    # this thread with a running loop.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, serve()).result()

    assert events == ["view answered", "body sent", PUBLISHED]


def test_through_the_test_client_the_message_leaves_when_the_response_is_closed(client):
    response = client.get("/enqueue/")

    assert response.status_code == 200
    assert events == ["view answered", PUBLISHED]


def test_a_message_from_outside_a_request_leaves_at_once():
    enqueue_after_commit(delivery_send_task, 7)

    assert events == [PUBLISHED]
