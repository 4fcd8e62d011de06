"""An import names the click it answers: `?deliveryId=` or the Switchboard-Delivery-Id header on
the push, `deliveryId` on its status, and links both ways between the import list and the
delivery log."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from datasets.models import ImportJob
from integrations.models import Delivery
from tests.datasets.conftest import GOOD_CSV, push, status

pytestmark = pytest.mark.django_db

MALFORMED = "deliveryId must be the UUID from the Switchboard-Delivery-Id header"


def click(workspace, user, *, widget_label="Refresh forecast", **fields) -> Delivery:
    now = timezone.now()
    values = {
        "workspace": workspace,
        "connection_name": "Forecast pipeline",
        "host": "hooks.example.com",
        "user": user,
        "source": Delivery.Source.WIDGET,
        "board_id": 1,
        "widget_id": 2,
        "board_name": "Sales Forecast",
        "widget_label": widget_label,
        "idempotency_key": uuid.uuid4(),
        "state": Delivery.State.FINAL,
        "outcome": Delivery.Outcome.SUCCEEDED,
        "created_at": now,
        "finished_at": now,
    }
    return Delivery.objects.create(**{**values, **fields})


@pytest.fixture
def delivery(world) -> Delivery:
    return click(world.acme, world.victor)


def push_answering(forecast, *, query: str | None = None, header: str | None = None):
    extra = {"HTTP_SWITCHBOARD_DELIVERY_ID": header} if header is not None else {}
    configuration_id = str(forecast.configuration.pk)
    if query is not None:
        configuration_id += f"&deliveryId={query}"
    return push(Client(), forecast.import_key, GOOD_CSV, configuration_id, **extra)


def uploads(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_it_stores_the_click_named_by_the_query(forecast, delivery):
    response = push_answering(forecast, query=str(delivery.idempotency_key))
    assert response.status_code == 202, response.json()
    job = ImportJob.objects.get(pk=response.json()["importId"])
    assert (job.delivery_id, job.status) == (delivery.pk, ImportJob.Status.SUCCEEDED)
    answer = status(Client(), forecast.import_key, str(job.pk)).json()
    assert answer["deliveryId"] == str(delivery.idempotency_key)


def test_it_stores_the_click_named_by_the_header(forecast, delivery):
    response = push_answering(forecast, header=str(delivery.idempotency_key))
    assert response.status_code == 202
    assert ImportJob.objects.get().delivery_id == delivery.pk


def test_the_id_may_come_in_both_when_they_agree_in_any_case(forecast, delivery):
    key = str(delivery.idempotency_key)
    response = push_answering(forecast, query=key, header=key.upper())
    assert response.status_code == 202
    assert ImportJob.objects.get().delivery_id == delivery.pk


def test_an_admin_test_call_may_be_answered_too(world, forecast):
    test_call = click(world.acme, world.alice, source=Delivery.Source.TEST, widget_label="")
    response = push_answering(forecast, query=str(test_call.idempotency_key))
    assert response.status_code == 202
    assert ImportJob.objects.get().delivery_id == test_call.pk


def test_a_push_without_an_id_loses_nothing(forecast, delivery):
    response = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)
    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert (job.status, job.delivery_id) == (ImportJob.Status.SUCCEEDED, None)
    assert status(Client(), forecast.import_key, str(job.pk)).json()["deliveryId"] is None


@pytest.mark.parametrize(
    "bad",
    ["42", "not-a-uuid", "5b0bd6c38a4e4a8e9a533f1f1f2f9c11", "{5b0bd6c3-8a4e-4a8e-9a53-3f1f}"],
)
@pytest.mark.parametrize("where", ["query", "header"])
def test_a_malformed_id_is_a_bad_request_and_stores_nothing(forecast, settings, bad, where):
    response = push_answering(forecast, **{where: bad})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_request"
    assert MALFORMED in body["message"]
    assert not ImportJob.objects.exists()
    assert uploads(settings) == []


def test_an_id_of_no_click_is_refused_and_stores_nothing(forecast, settings):
    response = push_answering(forecast, query=str(uuid.uuid4()))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "unknown_delivery"
    assert "No call of this workspace" in body["message"]
    assert not ImportJob.objects.exists()
    assert uploads(settings) == []


def test_another_workspaces_click_reads_as_unknown(world, forecast):
    theirs = click(world.globex, world.oscar)
    response = push_answering(forecast, header=str(theirs.idempotency_key))
    assert response.status_code == 400
    assert response.json()["error"] == "unknown_delivery"
    assert not ImportJob.objects.exists()


def test_query_and_header_that_differ_are_refused(forecast, delivery):
    other = click(delivery.workspace, delivery.user)
    response = push_answering(
        forecast, query=str(delivery.idempotency_key), header=str(other.idempotency_key)
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_request"
    assert "differ" in body["message"]
    assert not ImportJob.objects.exists()


def test_the_configuration_is_still_checked_first(forecast, delivery):
    response = push(
        Client(), forecast.import_key, GOOD_CSV, f"999999&deliveryId={delivery.idempotency_key}"
    )
    assert response.status_code == 404


def test_a_deleted_click_leaves_the_import_with_no_id(forecast, delivery):
    response = push_answering(forecast, query=str(delivery.idempotency_key))
    delivery.delete()  # housekeeping after RETENTION_DAYS
    answer = status(Client(), forecast.import_key, response.json()["importId"]).json()
    assert (answer["status"], answer["deliveryId"]) == ("succeeded", None)


def test_the_import_list_says_which_click_it_answers(world, forecast, delivery):
    push_answering(forecast, query=str(delivery.idempotency_key))
    push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk)  # answers nothing
    page = world.client_for("alice").get(reverse("datasets:list")).content.decode()
    at = timezone.localtime(delivery.created_at).strftime("%H:%M")
    link = reverse("integrations:delivery_status", args=[delivery.pk])
    assert f'<a href="{link}" data-testid="import-answers-link">' in page
    assert "answers Refresh forecast click by victor at <time" in page
    assert f">{at} UTC</time>" in page
    assert page.count('data-testid="import-answers-link"') == 1


def test_the_import_list_shows_one_import_when_asked(world, forecast, delivery):
    first = push(Client(), forecast.import_key, GOOD_CSV, forecast.configuration.pk).json()
    push_answering(forecast, query=str(delivery.idempotency_key))
    client = world.client_for("alice")
    page = client.get(reverse("datasets:list"), {"import": first["importId"]}).content.decode()
    assert "Show all recent imports" in page
    assert "import-answers-link" not in page  # the other import is not listed
    assert client.get(reverse("datasets:list"), {"import": "nonsense"}).status_code == 200


def test_the_import_list_of_another_workspace_shows_nothing_of_it(world, forecast, delivery):
    response = push_answering(forecast, query=str(delivery.idempotency_key))
    page = world.client_for("oscar").get(
        reverse("datasets:list"), {"import": response.json()["importId"]}
    )
    assert "Refresh forecast" not in page.content.decode()


def delivery_log(world) -> tuple[str, int]:
    client = world.client_for("alice")
    with CaptureQueriesContext(db_connection) as queries:
        response = client.get(reverse("integrations:delivery_log_all"))
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def test_the_delivery_log_links_each_call_to_its_imports(world, forecast, delivery):
    job_id = push_answering(forecast, query=str(delivery.idempotency_key)).json()["importId"]
    page, _ = delivery_log(world)
    link = f"{reverse('datasets:list')}?import={job_id}#imports-title"
    assert (
        f'<a href="{link}" data-testid="delivery-import">Import <code>{job_id[:8]}</code></a>'
        in page
    )
    assert '<span class="badge outcome-succeeded">Succeeded</span>' in page
    assert "2 rows" in page


def test_the_call_page_shows_its_imports_status(world, forecast, delivery, held_imports):
    job_id = push_answering(forecast, query=str(delivery.idempotency_key)).json()["importId"]
    page = world.client_for("alice").get(
        reverse("integrations:delivery_status", args=[delivery.pk])
    )
    html = page.content.decode()
    assert f"Import <code>{job_id[:8]}</code>" in html
    assert '<span class="badge outcome-queued">Queued</span>' in html
    assert str(delivery.idempotency_key) in html


def test_the_delivery_log_reads_imports_in_one_query_whatever_their_number(world, forecast):
    def answered_click():
        delivery = click(world.acme, world.victor)
        push_answering(forecast, query=str(delivery.idempotency_key))

    answered_click()
    _, one = delivery_log(world)
    for _ in range(4):
        answered_click()
    page, five = delivery_log(world)
    assert page.count('data-testid="delivery-import"') == 5
    assert five == one
