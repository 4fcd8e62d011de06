"""The OpenAPI document (datasets/api/openapi.py) against the API's real answers.

Every answer the document names — each path, method and status — has a case below that makes
the endpoint give it through the Django test client; openapi-core then checks status, headers
and body against the document. A field an answer gains, a status an endpoint starts to give or
a header it stops sending fails here until the document says so.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.validation.response.exceptions import InvalidData, MissingRequiredHeader
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from datasets.api.openapi import OPENAPI
from datasets.models import ApiKey, ImportJob
from datasets.rate_limit import RateLimitUnavailable
from datasets.services import dataset_create, import_configuration_create
from integrations.models import Delivery
from tests.datasets.conftest import GOOD_CSV, Forecast, make_key

pytestmark = pytest.mark.django_db


def csv_text(value: bytes, **parameters: str) -> str:
    """A CSV body as the string its schema says it is: strict UTF-8, or it fails."""
    return value.decode(parameters.get("charset", "utf-8"))


# openapi-core knows JSON, forms and plain text; the push and the export speak CSV.
DOCUMENT = OpenAPI.from_dict(
    OPENAPI, config=Config(extra_media_type_deserializers={"text/csv": csv_text})
)
PUSH = "/api/v1/import/push/csv"


class DocumentedRequest(DjangoOpenAPIRequest):
    """The request as openapi-core reads it, matched on its path as sent: Django's route names
    its parameters the Python way (import_id), the document the API's way (importId).
    `method` stands in for the request's own, to find the operation whose 405 a wrong method
    gets (the document describes that answer under the one method the path takes). `body` is
    what the test sent: the view has read the request's stream by now."""

    path_pattern = None

    def __init__(self, request, *, body: bytes, method: str | None = None) -> None:
        super().__init__(request)
        self.parameters.path = {}
        self._body = body
        self._method = method

    @property
    def method(self) -> str:
        return self._method or super().method

    @property
    def body(self) -> bytes:
        return self._body


def assert_documented(
    response, *, body: bytes = b"", method: str | None = None, check_request: bool = False
):
    """The answer is one the document describes for its request (status, headers, body)."""
    request = DocumentedRequest(response.wsgi_request, body=body, method=method)
    if check_request:
        DOCUMENT.validate_request(request)
    DOCUMENT.validate_response(request, DjangoOpenAPIResponse(response))


@dataclass
class Setting:
    """What a case may use: the forecast dataset and keys, the personas, pytest's patches."""

    forecast: Forecast
    world: Any
    monkeypatch: pytest.MonkeyPatch
    settings: Any
    client: Client
    sent: bytes = b""  # the body of the last push

    def key(self, key: str | None) -> dict[str, Any]:
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}

    def push(self, query: str = "", body: bytes = GOOD_CSV, key: str | None = "", **extra):
        key = self.forecast.import_key if key == "" else key
        query = query or f"configurationId={self.forecast.configuration.pk}"
        self.sent = body
        return self.client.post(
            f"{PUSH}?{query}", data=body, content_type="text/csv", **self.key(key), **extra
        )

    def get(self, path: str, key: str | None, **extra):
        self.sent = b""
        return self.client.get(path, **self.key(key), **extra)

    def imported(self) -> str:
        """The id of an import that succeeded."""
        response = self.push()
        assert response.status_code == 202, response.content
        return response.json()["importId"]

    def export_path(self, dataset_id: object | None = None, query: str = "") -> str:
        dataset_id = self.forecast.dataset.pk if dataset_id is None else dataset_id
        return f"/api/v1/export/datasets/{dataset_id}/csv" + (f"?{query}" if query else "")

    def status_path(self, import_id: object) -> str:
        return f"/api/v1/import/{import_id}/status"

    def expire_keys(self) -> None:
        ApiKey.objects.update(expires_on=datetime.date(2020, 1, 1))

    def budget_used_up(self) -> None:
        """This client's address has made its one request of the window."""
        self.settings.IMPORT_RATE_LIMIT = "1/5m"
        self.client.get("/api/v1/datasets")

    def budget_store_down(self) -> None:
        def unavailable(**kwargs):
            raise RateLimitUnavailable

        self.monkeypatch.setattr("datasets.api.plumbing.import_rate_limit_hit", unavailable)

    def broken(self, target: str) -> None:
        def crash(**kwargs):
            raise RuntimeError("a bug")

        self.monkeypatch.setattr(target, crash)


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # as the document names it
    status: str
    name: str
    make: Callable[[Setting], Any]
    code: str = ""  # the error code the answer must carry

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path} {self.status} {self.name}"


CASES: list[Case] = []


def case(method: str, path: str, status: str, code: str = "") -> Callable:
    def register(make: Callable[[Setting], Any]) -> Callable[[Setting], Any]:
        CASES.append(Case(method, path, status, make.__name__, make, code))
        return make

    return register


PUSH_PATH = "/import/push/csv"
STATUS_PATH = "/import/{importId}/status"
LIST_PATH = "/datasets"
EXPORT_PATH = "/export/datasets/{datasetId}/csv"
DOCUMENT_PATH = "/openapi.json"


# POST /import/push/csv


@case("post", PUSH_PATH, "202")
def accepted(s: Setting):
    return s.push()


@case("post", PUSH_PATH, "202")
def accepted_answering_a_click(s: Setting):
    delivery = _delivery(s)
    return s.push(HTTP_SWITCHBOARD_DELIVERY_ID=str(delivery.idempotency_key))


@case("post", PUSH_PATH, "200")
def dry_run_valid(s: Setting):
    return s.push(f"configurationId={s.forecast.configuration.pk}&dryRun=true")


@case("post", PUSH_PATH, "200")
def dry_run_invalid(s: Setting):
    bad = b"month,region,Revenue\n2030-01-01,North,abc\n"
    return s.push(f"configurationId={s.forecast.configuration.pk}&dryRun=true", body=bad)


@case("post", PUSH_PATH, "400", "bad_request")
def bad_configuration_id(s: Setting):
    return s.push("configurationId=abc")


@case("post", PUSH_PATH, "400", "bad_request")
def empty_body(s: Setting):
    return s.push(body=b"")


@case("post", PUSH_PATH, "400", "bad_request")
def bad_delivery_id(s: Setting):
    return s.push(f"configurationId={s.forecast.configuration.pk}&deliveryId=not-a-uuid")


@case("post", PUSH_PATH, "400", "bad_request")
def bad_dry_run(s: Setting):
    return s.push(f"configurationId={s.forecast.configuration.pk}&dryRun=maybe")


@case("post", PUSH_PATH, "400", "unknown_delivery")
def unknown_delivery(s: Setting):
    return s.push(f"configurationId={s.forecast.configuration.pk}&deliveryId={uuid.uuid4()}")


@case("post", PUSH_PATH, "401", "unauthorized")
def push_without_key(s: Setting):
    return s.push(key=None)


@case("post", PUSH_PATH, "403", "forbidden")
def push_with_export_key(s: Setting):
    return s.push(key=s.forecast.export_key)


@case("post", PUSH_PATH, "403", "forbidden")
def push_with_expired_key(s: Setting):
    s.expire_keys()
    return s.push()


@case("post", PUSH_PATH, "403", "forbidden")
def push_into_another_workspace(s: Setting):
    return s.push(key=make_key(s.world.globex))


@case("post", PUSH_PATH, "404", "not_found")
def push_to_unknown_configuration(s: Setting):
    return s.push(f"configurationId={s.forecast.configuration.pk + 1000}")


@case("post", PUSH_PATH, "405", "method_not_allowed")
def push_with_get(s: Setting):
    return s.get(f"{PUSH}?configurationId=1", s.forecast.import_key)


@case("post", PUSH_PATH, "411", "length_required")
def chunked_push(s: Setting):
    return s.push(CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")


@case("post", PUSH_PATH, "413", "too_large")
def too_large(s: Setting):
    s.settings.IMPORT_MAX_BYTES = 10
    return s.push()


@case("post", PUSH_PATH, "415", "unsupported_media_type")
def form_upload(s: Setting):
    return s.client.post(
        f"{PUSH}?configurationId={s.forecast.configuration.pk}",
        data={"file": "month,region,Revenue\n"},
        **s.key(s.forecast.import_key),
    )


@case("post", PUSH_PATH, "429", "rate_limited")
def push_over_budget(s: Setting):
    s.budget_used_up()
    return s.push()


@case("post", PUSH_PATH, "500", "internal_error")
def push_crashes(s: Setting):
    s.broken("datasets.api.imports.import_push_receive")
    return s.push()


@case("post", PUSH_PATH, "503", "unavailable")
def push_without_budget_store(s: Setting):
    s.budget_store_down()
    return s.push()


@case("post", PUSH_PATH, "503", "busy")
def push_while_database_busy(s: Setting):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    s.monkeypatch.setattr("datasets.services.import_job_receive", locked)
    return s.push()


# GET /import/{importId}/status


@case("get", STATUS_PATH, "200")
def status_succeeded(s: Setting):
    return s.get(s.status_path(s.imported()), s.forecast.import_key)


@case("get", STATUS_PATH, "200")
def status_queued(s: Setting):
    job = ImportJob.objects.create(workspace=s.world.acme, configuration=s.forecast.configuration)
    return s.get(s.status_path(job.id), s.forecast.import_key)


@case("get", STATUS_PATH, "200")
def status_failed(s: Setting):
    import_id = s.push(body=b"month,region,Revenue\n2030-01-01,North,abc\n").json()["importId"]
    return s.get(s.status_path(import_id), s.forecast.import_key)


@case("get", STATUS_PATH, "200")
def status_answering_a_click(s: Setting):
    delivery = _delivery(s)
    pushed = s.push(
        f"configurationId={s.forecast.configuration.pk}&deliveryId={delivery.idempotency_key}"
    )
    response = s.get(s.status_path(pushed.json()["importId"]), s.forecast.import_key)
    assert response.json()["deliveryId"] == str(delivery.idempotency_key)
    return response


@case("get", STATUS_PATH, "401", "unauthorized")
def status_without_key(s: Setting):
    return s.get(s.status_path(uuid.uuid4()), None)


@case("get", STATUS_PATH, "403", "forbidden")
def status_with_export_key(s: Setting):
    return s.get(s.status_path(uuid.uuid4()), s.forecast.export_key)


@case("get", STATUS_PATH, "404", "not_found")
def status_of_unknown_import(s: Setting):
    return s.get(s.status_path(uuid.uuid4()), s.forecast.import_key)


@case("get", STATUS_PATH, "405", "method_not_allowed")
def status_with_post(s: Setting):
    return s.client.post(s.status_path(uuid.uuid4()), **s.key(s.forecast.import_key))


@case("get", STATUS_PATH, "429", "rate_limited")
def status_over_budget(s: Setting):
    s.budget_used_up()
    return s.get(s.status_path(uuid.uuid4()), s.forecast.import_key)


@case("get", STATUS_PATH, "500", "internal_error")
def status_crashes(s: Setting):
    s.broken("datasets.api.imports.import_job_get")
    return s.get(s.status_path(uuid.uuid4()), s.forecast.import_key)


@case("get", STATUS_PATH, "503", "unavailable")
def status_without_budget_store(s: Setting):
    s.budget_store_down()
    return s.get(s.status_path(uuid.uuid4()), s.forecast.import_key)


# GET /datasets


@case("get", LIST_PATH, "200")
def list_with_import_key(s: Setting):
    s.imported()
    # And one never imported into, with no configuration: the nulls and empty lists.
    dataset_create(workspace=s.world.acme, name="Headcount", columns=[("team", "text")])
    response = s.get("/api/v1/datasets", s.forecast.import_key)
    assert {dataset["name"] for dataset in response.json()["datasets"]} == {
        "Revenue forecast",
        "Headcount",
    }
    return response


@case("get", LIST_PATH, "200")
def list_with_export_key(s: Setting):
    return s.get("/api/v1/datasets", s.forecast.export_key)


@case("get", LIST_PATH, "401", "unauthorized")
def list_without_key(s: Setting):
    return s.get("/api/v1/datasets", None)


@case("get", LIST_PATH, "403", "forbidden")
def list_with_expired_key(s: Setting):
    s.expire_keys()
    return s.get("/api/v1/datasets", s.forecast.export_key)


@case("get", LIST_PATH, "405", "method_not_allowed")
def list_with_post(s: Setting):
    return s.client.post("/api/v1/datasets", **s.key(s.forecast.export_key))


@case("get", LIST_PATH, "429", "rate_limited")
def list_over_budget(s: Setting):
    s.budget_used_up()
    return s.get("/api/v1/datasets", s.forecast.export_key)


@case("get", LIST_PATH, "500", "internal_error")
def list_crashes(s: Setting):
    s.broken("datasets.api.exports.dataset_catalogue")
    return s.get("/api/v1/datasets", s.forecast.export_key)


@case("get", LIST_PATH, "503", "unavailable")
def list_without_budget_store(s: Setting):
    s.budget_store_down()
    return s.get("/api/v1/datasets", s.forecast.export_key)


# GET /export/datasets/{datasetId}/csv


@case("get", EXPORT_PATH, "200")
def export_everything(s: Setting):
    s.imported()
    response = s.get(s.export_path(), s.forecast.export_key)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return response


@case("get", EXPORT_PATH, "200")
def export_columns_since_an_import(s: Setting):
    append = import_configuration_create(
        workspace=s.world.acme, name="Append", dataset=s.forecast.dataset, mode="append"
    )
    first = s.imported()
    s.push(f"configurationId={append.pk}")
    query = f"columns=month,Revenue&since={first}"
    response = s.get(s.export_path(query=query), s.forecast.export_key)
    assert b"".join(response.streaming_content).decode().splitlines() == [
        "month,Revenue",
        "2030-01-01,1200.5",
        "2030-02-01,980",
    ]
    # Read whole above; validated again from here.
    return s.get(s.export_path(query=query), s.forecast.export_key)


@case("get", EXPORT_PATH, "400", "bad_request")
def export_unknown_column(s: Setting):
    return s.get(s.export_path(query="columns=month,profit"), s.forecast.export_key)


@case("get", EXPORT_PATH, "400", "bad_request")
def export_malformed_since(s: Setting):
    return s.get(s.export_path(query="since=yesterday"), s.forecast.export_key)


@case("get", EXPORT_PATH, "401", "unauthorized")
def export_without_key(s: Setting):
    return s.get(s.export_path(), None)


@case("get", EXPORT_PATH, "403", "forbidden")
def export_with_import_key(s: Setting):
    return s.get(s.export_path(), s.forecast.import_key)


@case("get", EXPORT_PATH, "403", "forbidden")
def export_of_another_workspace(s: Setting):
    return s.get(s.export_path(), make_key(s.world.globex, ApiKey.KeyType.EXPORT))


@case("get", EXPORT_PATH, "404", "not_found")
def export_of_unknown_dataset(s: Setting):
    return s.get(s.export_path(s.forecast.dataset.pk + 1000), s.forecast.export_key)


@case("get", EXPORT_PATH, "404", "not_found")
def export_since_an_unknown_import(s: Setting):
    return s.get(s.export_path(query=f"since={uuid.uuid4()}"), s.forecast.export_key)


@case("get", EXPORT_PATH, "405", "method_not_allowed")
def export_with_post(s: Setting):
    return s.client.post(s.export_path(), **s.key(s.forecast.export_key))


@case("get", EXPORT_PATH, "409", "conflict")
def export_since_replaced_rows(s: Setting):
    first = s.imported()
    s.imported()  # replace mode: the rows of the first import are gone
    return s.get(s.export_path(query=f"since={first}"), s.forecast.export_key)


@case("get", EXPORT_PATH, "429", "rate_limited")
def export_over_budget(s: Setting):
    s.budget_used_up()
    return s.get(s.export_path(), s.forecast.export_key)


@case("get", EXPORT_PATH, "500", "internal_error")
def export_crashes(s: Setting):
    s.broken("datasets.api.exports.dataset_get_for_key")
    return s.get(s.export_path(), s.forecast.export_key)


@case("get", EXPORT_PATH, "503", "unavailable")
def export_without_budget_store(s: Setting):
    s.budget_store_down()
    return s.get(s.export_path(), s.forecast.export_key)


# GET /openapi.json


@case("get", DOCUMENT_PATH, "200")
def the_document(s: Setting):
    return s.get("/api/v1/openapi.json", None)


@case("get", DOCUMENT_PATH, "304")
def the_document_unchanged(s: Setting):
    etag = s.get("/api/v1/openapi.json", None)["ETag"]
    return s.get("/api/v1/openapi.json", None, HTTP_IF_NONE_MATCH=etag)


@case("get", DOCUMENT_PATH, "405", "method_not_allowed")
def the_document_with_post(s: Setting):
    return s.client.post("/api/v1/openapi.json")


def _delivery(s: Setting) -> Delivery:
    """A click of Acme's whose call carried a Switchboard-Delivery-Id."""
    return Delivery.objects.create(
        workspace=s.world.acme,
        connection_name="Forecast pipeline",
        host="pipeline.example.com",
        idempotency_key=uuid.uuid4(),
        created_at=timezone.now(),
    )


@pytest.fixture
def setting(forecast, world, monkeypatch, settings) -> Setting:
    # An address of this test's own: the budget cases use up its whole budget.
    return Setting(forecast, world, monkeypatch, settings, Client(REMOTE_ADDR="203.0.113.7"))


def test_the_document_is_valid_openapi_3_1():
    validate_spec(OPENAPI)
    assert OPENAPI["openapi"] == "3.1.0"


@pytest.mark.parametrize("documented", CASES, ids=[documented.id for documented in CASES])
def test_it_answers_as_documented(setting, documented: Case):
    response = documented.make(setting)
    assert str(response.status_code) == documented.status, response.content
    wrong_method = documented.code == "method_not_allowed"
    assert_documented(
        response,
        body=setting.sent,
        method=documented.method if wrong_method else None,
        # Requests that should succeed are also requests the document describes.
        check_request=documented.status.startswith("2"),
    )
    if documented.code:
        assert response.json()["error"] == documented.code


def test_every_documented_answer_has_a_case():
    documented = {
        (method, path, status)
        for path, item in OPENAPI["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
    }
    assert {(each.method, each.path, each.status) for each in CASES} == documented


def test_every_error_code_of_the_document_is_given_by_some_case():
    codes = set(OPENAPI["components"]["schemas"]["Error"]["properties"]["error"]["enum"])
    # not_found for unknown paths is checked below, outside any operation.
    assert {each.code for each in CASES if each.code} == codes


def test_unknown_api_paths_answer_the_documented_not_found():
    response = Client().get("/api/v1/nothing/here")
    assert response.status_code == 404
    schema = OPENAPI["components"]["responses"]["NotFound"]["content"]["application/json"]
    resolver_root = {**schema["schema"], "components": OPENAPI["components"]}
    OAS31Validator(resolver_root).validate(response.json())
    assert response.json()["error"] == "not_found"


def test_it_serves_the_document_as_cacheable_json():
    response = Client().get("/api/v1/openapi.json")
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == OPENAPI
    assert "public" in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]
    assert response["ETag"]


def test_the_document_needs_no_key_and_spends_no_budget(settings):
    settings.IMPORT_RATE_LIMIT = "1/5m"
    client = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(3):
        assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/datasets").status_code == 401


def test_the_check_fails_an_answer_with_an_undocumented_field(setting):
    response = setting.get(setting.status_path(setting.imported()), setting.forecast.import_key)
    response.content = json.dumps({**response.json(), "rowsSkipped": 0}).encode()
    with pytest.raises(InvalidData, match="rowsSkipped"):
        assert_documented(response)


def test_the_check_fails_an_answer_without_a_documented_header(setting):
    setting.budget_used_up()
    response = setting.push()
    assert response.status_code == 429
    del response["Retry-After"]
    with pytest.raises(MissingRequiredHeader, match="Retry-After"):
        assert_documented(response, body=setting.sent)


def test_the_check_fails_an_error_code_the_operation_does_not_give(setting):
    response = setting.push(key=None)
    response.content = json.dumps({"error": "forbidden", "message": "No."}).encode()
    with pytest.raises(InvalidData, match="'unauthorized' was expected"):
        assert_documented(response, body=setting.sent)
