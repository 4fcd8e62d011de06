"""The import and export API, described once: an OpenAPI 3.1 document, served as JSON at
/api/v1/openapi.json and shown to admins as the reference page (datasets.api.reference), so the
two never disagree. tests/datasets/test_openapi.py checks real answers of every endpoint and
error against it.

Written by hand, next to the code it describes; the schemas forbid fields they do not name, so
a field added to an answer fails that test until it is described here.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import etag

from datasets.api.plumbing import error_response

SERVER = "/api/v1"
NULL_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}
EXAMPLE_IMPORT_ID = "5f0c6a52-3d1b-4f8e-9a57-2c9e1b7d4a10"
EXAMPLE_DELIVERY_ID = "0b5e6c1e-8f1f-4d7a-9c1e-3f0d2a6b7c8d"
CURL = 'curl -H "Authorization: Bearer $SWITCHBOARD_KEY" '

DESCRIPTION = """\
Push CSV files into Switchboard datasets, follow their imports, list datasets and read their \
rows back as CSV.

Authentication: send an API key as "Authorization: Bearer <key>". Keys look like \
sb_<prefix>_<secret>; Workspace Admins create them under API Keys, as Import keys (push and \
status) or Export keys (export). The dataset listing takes either.

Every answer is JSON except the CSV export, and every error has the same shape: \
{"error": "<code>", "message": "<a sentence for people>"}. Programs read the code; the message \
may change. Answers may gain fields over time: ignore the ones you do not know.

All endpoints share one request budget per client IP address (by default 500 requests in any \
5 minutes); past it they answer 429 with Retry-After, the seconds until the next request is \
admitted. Unknown paths under /api/v1/ answer 404 not_found, in JSON too."""


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _error_body(codes: list[str], message: str) -> dict[str, Any]:
    """An Error whose code is one of `codes`, with an example of its message."""
    code_schema: dict[str, Any] = {"const": codes[0]} if len(codes) == 1 else {"enum": codes}
    return {
        "application/json": {
            "schema": {"allOf": [_ref("schemas", "Error")], "properties": {"error": code_schema}},
            "example": {"error": codes[0], "message": message},
        }
    }


def _error(description: str, codes: list[str], message: str, **headers: Any) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _error_body(codes, message)}
    if headers:
        response["headers"] = headers
    return response


def _json(schema_name: str, description: str, example: Any, **headers: Any) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/json": {"schema": _ref("schemas", schema_name), "example": example}
        },
    }
    if headers:
        response["headers"] = headers
    return response


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _described(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description}


def _common(*statuses: str) -> dict[str, Any]:
    """The shared answers (components.responses) by status."""
    names = {
        "401": "Unauthorized",
        "403": "Forbidden",
        "405": "MethodNotAllowed",
        "429": "RateLimited",
        "500": "InternalError",
        "503": "Unavailable",
    }
    return {status: _ref("responses", names[status]) for status in statuses}


SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": {
                "type": "string",
                "description": "What went wrong, for programs.",
                "enum": [
                    "bad_request",
                    "unknown_delivery",
                    "unauthorized",
                    "forbidden",
                    "not_found",
                    "method_not_allowed",
                    "conflict",
                    "length_required",
                    "too_large",
                    "unsupported_media_type",
                    "rate_limited",
                    "internal_error",
                    "unavailable",
                    "busy",
                ],
            },
            "message": {"type": "string", "description": "What went wrong, for people."},
        },
        "Every error answer.",
    ),
    "ImportAccepted": _object(
        {
            "importId": _described(UUID, "The import's id."),
            "statusUrl": {
                "type": "string",
                "format": "uri",
                "description": "Where to follow the import (GET, with the same key).",
            },
        }
    ),
    "DryRun": _object(
        {
            "dryRun": _described({"const": True}, "Always true: this was only a check."),
            "configurationId": _described(
                {"type": "integer"}, "The configuration it was pushed to."
            ),
            "datasetId": {"type": "integer", "description": "The dataset it would fill."},
            "mode": _described(
                {"enum": ["replace", "append"]},
                "replace swaps all rows of the dataset; append adds to them.",
            ),
            "valid": {"type": "boolean", "description": "Whether the import would succeed."},
            "rowsReceived": {"type": "integer", "description": "Rows after the header line."},
            "errors": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Why it would fail, as the import would report it.",
            },
        },
        "What the push would do. Nothing is stored.",
    ),
    "ImportStatus": _object(
        {
            "importId": _described(UUID, "The id the push answered."),
            "configurationId": _described(
                {"type": "integer"}, "The configuration it was pushed to."
            ),
            "status": _described(
                {"enum": ["queued", "running", "succeeded", "failed"]},
                "queued and running are on the way; succeeded and failed are final.",
            ),
            "rowsReceived": _described({"type": "integer"}, "Rows after the header line, so far."),
            "rowsImported": {"type": "integer", "description": "0 unless it succeeded."},
            "errors": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Why it failed: at most 10 sentences, then one on the rest.",
            },
            "createdAt": {
                "type": "string",
                "format": "date-time",
                "description": "When the push arrived.",
            },
            "finishedAt": _described(
                NULL_DATE_TIME, "When it succeeded or failed; null until then."
            ),
            "deliveryId": _described(
                {"type": ["string", "null"], "format": "uuid"},
                "The click this import answers, if the push named one.",
            ),
        }
    ),
    "DatasetList": _object(
        {"datasets": {"type": "array", "items": _ref("schemas", "Dataset")}},
    ),
    "Dataset": _object(
        {
            "id": _described({"type": "integer"}, "datasetId in the export path."),
            "name": _described({"type": "string"}, "Also the export's file name."),
            "columns": {
                "type": "array",
                "items": _object(
                    {
                        "name": {"type": "string"},
                        "kind": {
                            "enum": ["text", "number", "date"],
                            "description": "date is YYYY-MM-DD.",
                        },
                    }
                ),
                "description": "In the order of the CSV's header line.",
            },
            "rowCount": _described({"type": "integer"}, "Rows it holds now."),
            "version": {"type": "integer", "description": "Goes up by one with each import."},
            "updatedAt": _described(NULL_DATE_TIME, "When an import last changed the rows."),
            "lastImport": {
                "oneOf": [
                    _object(
                        {
                            "importId": UUID,
                            "status": {"enum": ["queued", "running", "succeeded", "failed"]},
                            "finishedAt": NULL_DATE_TIME,
                        }
                    ),
                    {"type": "null"},
                ],
                "description": "The newest import into the dataset, if any.",
            },
            "importConfigurations": {
                "type": "array",
                "items": _object(
                    {
                        "id": _described({"type": "integer"}, "configurationId of a push."),
                        "name": {"type": "string"},
                        "mode": _described(
                            {"enum": ["replace", "append"]}, "replace swaps all rows; append adds."
                        ),
                    }
                ),
                "description": "Pass an id as configurationId to push into the dataset.",
            },
        }
    ),
}

HEADERS: dict[str, Any] = {
    "RetryAfter": {
        "description": "Seconds to wait before the next request.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
    "Allow": {
        "description": "The method this path answers.",
        "required": True,
        "schema": {"type": "string"},
    },
    "WWWAuthenticate": {
        "description": "Always Bearer.",
        "required": True,
        "schema": {"const": "Bearer"},
    },
}

RESPONSES: dict[str, Any] = {
    "Unauthorized": _error(
        "No key, or one Switchboard does not know (deleted, mistyped).",
        ["unauthorized"],
        "Send an API key: Authorization: Bearer <key>.",
        **{"WWW-Authenticate": _ref("headers", "WWWAuthenticate")},
    ),
    "Forbidden": _error(
        "The key has expired, or is of the wrong type for this endpoint.",
        ["forbidden"],
        "This is an Export key; this endpoint needs an Import key.",
    ),
    "MethodNotAllowed": _error(
        "The path answers only the method in Allow; any other method gets this.",
        ["method_not_allowed"],
        "Use POST here.",
        Allow=_ref("headers", "Allow"),
    ),
    "RateLimited": _error(
        "This client IP address has used its request budget; wait Retry-After seconds.",
        ["rate_limited"],
        "Too many requests from this address (limit 500/5m). Retry in 42 seconds.",
        **{"Retry-After": _ref("headers", "RetryAfter")},
    ),
    "InternalError": _error(
        "Something broke on Switchboard's side. Retrying later may help.",
        ["internal_error"],
        "Something went wrong on our side.",
    ),
    "Unavailable": _error(
        "Briefly unavailable: the request budget cannot be checked (unavailable, Retry-After "
        "30) or the database is busy (busy). Retry after Retry-After seconds.",
        ["unavailable", "busy"],
        "The service is briefly unavailable. Retry in 30 seconds.",
        **{"Retry-After": _ref("headers", "RetryAfter")},
    ),
    "NotFound": _error(
        "No such endpoint (any unknown path under /api/v1/).",
        ["not_found"],
        "There is no such API endpoint.",
    ),
}

IMPORT_KEY: list[dict[str, list[str]]] = [{"importKey": []}]
EXPORT_KEY: list[dict[str, list[str]]] = [{"exportKey": []}]

PUSH = {
    "tags": ["Import"],
    "operationId": "importPushCsv",
    "summary": "Push a CSV",
    "description": (
        "The body is the CSV itself: a header line naming the dataset's columns, then one line "
        "per row. It is stored and imported by a worker; follow statusUrl until the status is "
        "succeeded or failed. An import is all or nothing: a bad row fails it with its line "
        "number and the dataset keeps its rows. Send it with a Content-Length (curl "
        "--data-binary does; -d strips the newlines). With dryRun=true the CSV is only "
        "checked: the answer says whether it would import, and nothing is stored."
    ),
    "security": IMPORT_KEY,
    "parameters": [
        {
            "name": "configurationId",
            "in": "query",
            "required": True,
            "description": "The import configuration (Integrations → Datasets lists the ids).",
            "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_999_999},
            "example": 1,
        },
        {
            "name": "deliveryId",
            "in": "query",
            "description": (
                "The call this push answers: echo the Switchboard-Delivery-Id header that "
                "came with the Action click's (or Test's) POST to your service. Boards then "
                "show that the click's results arrived. Or send it as a header, below."
            ),
            "schema": UUID,
            "example": EXAMPLE_DELIVERY_ID,
        },
        {
            "name": "dryRun",
            "in": "query",
            "description": (
                "true: only check the CSV against the dataset and answer 200 with what the "
                "import would do; nothing is stored. false (the default) imports. 1 and 0 "
                "work too."
            ),
            "schema": {"type": "boolean", "default": False},
        },
        {
            "name": "Switchboard-Delivery-Id",
            "in": "header",
            "description": "The same as deliveryId, as a header; if both are sent they must match.",
            "schema": UUID,
        },
    ],
    "requestBody": {
        "required": True,
        "description": "The CSV, UTF-8, at most 50 MB by default (IMPORT_MAX_BYTES).",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "month,region,revenue\n2030-01-01,North,1200.50\n",
            }
        },
    },
    "responses": {
        "200": _json(
            "DryRun",
            "dryRun=true: what the import would do.",
            {
                "dryRun": True,
                "configurationId": 1,
                "datasetId": 3,
                "mode": "replace",
                "valid": False,
                "rowsReceived": 2,
                "errors": ["Line 3: 'abc' is not a number in column revenue."],
            },
        ),
        "202": _json(
            "ImportAccepted",
            "Stored and queued for import.",
            {
                "importId": EXAMPLE_IMPORT_ID,
                "statusUrl": f"https://switchboard.example.com/api/v1/import/{EXAMPLE_IMPORT_ID}"
                "/status",
            },
            Location={
                "description": "The status endpoint's path.",
                "required": True,
                "schema": {"type": "string"},
            },
        ),
        "400": _error(
            "A bad configurationId, deliveryId or dryRun, deliveryId and the header differing, "
            "an empty body (bad_request); a deliveryId of no call of this workspace "
            "(unknown_delivery). Nothing is stored.",
            ["bad_request", "unknown_delivery"],
            "Pass the import configuration's id as ?configurationId=<number>.",
        ),
        **_common("401"),
        "403": _error(
            "The key has expired or is an Export key, or the configuration belongs to another "
            "workspace.",
            ["forbidden"],
            "This import configuration belongs to another workspace.",
        ),
        "404": _error(
            "No such import configuration.", ["not_found"], "There is no import configuration 7."
        ),
        **_common("405"),
        "411": _error(
            "A chunked upload without Content-Length.",
            ["length_required"],
            "Send the CSV with a Content-Length header (curl --data-binary does).",
        ),
        "413": _error(
            "Larger than IMPORT_MAX_BYTES.",
            ["too_large"],
            "The CSV is larger than the limit of 52,428,800 bytes.",
        ),
        "415": _error(
            "A form upload (multipart/form-data) instead of the CSV as the body.",
            ["unsupported_media_type"],
            "Send the CSV itself as the body, not as a form upload.",
        ),
        **_common("429", "500", "503"),
    },
    "x-codeSamples": [
        {
            "lang": "Shell",
            "label": "curl",
            "source": (
                'curl -X POST "$SWITCHBOARD_URL/api/v1/import/push/csv?configurationId=1" \\\n'
                '  -H "Authorization: Bearer $SWITCHBOARD_KEY" -H "Content-Type: text/csv" \\\n'
                "  --data-binary @forecast.csv"
            ),
        }
    ],
}

STATUS = {
    "tags": ["Import"],
    "operationId": "importStatus",
    "summary": "Follow an import",
    "description": (
        "Poll every few seconds until status is succeeded or failed. Imports of other "
        "workspaces, and ids that are not UUIDs, are 404."
    ),
    "security": IMPORT_KEY,
    "parameters": [
        {
            "name": "importId",
            "in": "path",
            "required": True,
            "description": "The importId the push answered.",
            "schema": UUID,
            "example": EXAMPLE_IMPORT_ID,
        }
    ],
    "responses": {
        "200": _json(
            "ImportStatus",
            "The import as it stands.",
            {
                "importId": EXAMPLE_IMPORT_ID,
                "configurationId": 1,
                "status": "succeeded",
                "rowsReceived": 2,
                "rowsImported": 2,
                "errors": [],
                "createdAt": "2030-01-31T09:15:02.120000+00:00",
                "finishedAt": "2030-01-31T09:15:02.480000+00:00",
                "deliveryId": None,
            },
        ),
        **_common("401", "403"),
        "404": _error("No such import.", ["not_found"], f"There is no import {EXAMPLE_IMPORT_ID}."),
        **_common("405", "429", "500", "503"),
    },
    "x-codeSamples": [
        {
            "lang": "Shell",
            "label": "curl",
            "source": CURL + '"$SWITCHBOARD_URL/api/v1/import/$IMPORT_ID/status"',
        }
    ],
}

DATASETS = {
    "tags": ["Datasets"],
    "operationId": "datasetList",
    "summary": "List datasets",
    "description": (
        "The workspace's datasets with their columns, their last import and the import "
        "configurations that fill them."
    ),
    "security": [*IMPORT_KEY, *EXPORT_KEY],
    "responses": {
        "200": _json(
            "DatasetList",
            "Every dataset of the key's workspace.",
            {
                "datasets": [
                    {
                        "id": 3,
                        "name": "Revenue forecast",
                        "columns": [
                            {"name": "month", "kind": "date"},
                            {"name": "region", "kind": "text"},
                            {"name": "revenue", "kind": "number"},
                        ],
                        "rowCount": 2,
                        "version": 4,
                        "updatedAt": "2030-01-31T09:15:02.480000+00:00",
                        "lastImport": {
                            "importId": EXAMPLE_IMPORT_ID,
                            "status": "succeeded",
                            "finishedAt": "2030-01-31T09:15:02.480000+00:00",
                        },
                        "importConfigurations": [
                            {"id": 1, "name": "Forecast push", "mode": "replace"}
                        ],
                    }
                ]
            },
        ),
        **_common("401", "403", "405", "429", "500", "503"),
    },
    "x-codeSamples": [
        {"lang": "Shell", "label": "curl", "source": CURL + '"$SWITCHBOARD_URL/api/v1/datasets"'}
    ],
}

EXPORT = {
    "tags": ["Export"],
    "operationId": "datasetExportCsv",
    "summary": "Export a dataset as CSV",
    "description": (
        "The rows as CSV, streamed: a header line of column names, then one line per row. "
        "With since=<importId> (an import into this dataset that succeeded), only the rows "
        "added after that import: a pipeline that remembers the last import it read fetches "
        "only what is new. If the rows were replaced since, the answer is 409: export without "
        "since to read every row."
    ),
    "security": EXPORT_KEY,
    "parameters": [
        {
            "name": "datasetId",
            "in": "path",
            "required": True,
            "description": "The dataset's id (GET /datasets lists them).",
            "schema": {"type": "integer", "minimum": 1},
            "example": 3,
        },
        {
            "name": "columns",
            "in": "query",
            "description": (
                "Only these columns, in this order, separated by commas (names as in the "
                "header line, any case)."
            ),
            "style": "form",
            "explode": False,
            "schema": {"type": "array", "items": {"type": "string"}},
            "example": ["month", "revenue"],
        },
        {
            "name": "since",
            "in": "query",
            "description": "A succeeded import of this dataset: only the rows added after it.",
            "schema": UUID,
            "example": EXAMPLE_IMPORT_ID,
        },
    ],
    "responses": {
        "200": {
            "description": "The rows as CSV.",
            "headers": {
                "Content-Disposition": {
                    "description": (
                        'attachment; filename="<dataset name>.csv", the name also as '
                        "filename*=UTF-8''<name, percent-encoded> for names beyond ASCII."
                    ),
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "month,revenue\n2030-01-01,1200.5\n",
                }
            },
        },
        "400": _error(
            "columns is empty, names a column twice or one the dataset does not have; or "
            "since is not an import id.",
            ["bad_request"],
            "The dataset has no column 'profit'. Its columns are: month, region, revenue.",
        ),
        **_common("401"),
        "403": _error(
            "The key has expired or is an Import key, or the dataset belongs to another workspace.",
            ["forbidden"],
            "This is an Import key; this endpoint needs an Export key.",
        ),
        "404": _error(
            "No such dataset (or an id that is not a number), or since names no import into "
            "this dataset.",
            ["not_found"],
            "There is no dataset 9.",
        ),
        **_common("405"),
        "409": _error(
            "since: the rows were replaced after that import, or that import did not succeed. "
            "Export without since.",
            ["conflict"],
            "The dataset's rows were replaced after import "
            f"{EXAMPLE_IMPORT_ID}, so there is nothing to read on from; export without ?since= "
            "to read every row.",
        ),
        **_common("429", "500", "503"),
    },
    "x-codeSamples": [
        {
            "lang": "Shell",
            "label": "curl",
            "source": (
                CURL + "-o forecast.csv \\\n"
                '  "$SWITCHBOARD_URL/api/v1/export/datasets/3/csv?columns=month,revenue"'
            ),
        }
    ],
}

DOCUMENT_ITSELF = {
    "tags": ["Document"],
    "operationId": "openapiDocument",
    "summary": "This document",
    "description": (
        "Needs no key and does not count against the request budget. Cacheable: it carries an "
        "ETag, and If-None-Match with it answers 304."
    ),
    "security": [],
    "responses": {
        "200": {
            "description": "The OpenAPI 3.1 document.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "304": {"description": "Not modified since the ETag sent in If-None-Match."},
        "405": _ref("responses", "MethodNotAllowed"),
    },
    "x-codeSamples": [
        {"lang": "Shell", "label": "curl", "source": 'curl "$SWITCHBOARD_URL/api/v1/openapi.json"'}
    ],
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Switchboard import and export API",
        "version": "1",
        "description": DESCRIPTION,
    },
    "servers": [{"url": SERVER, "description": "This Switchboard, at the address you reach it"}],
    "tags": [
        {"name": "Import", "description": "Push CSV files with an Import key and follow them."},
        {"name": "Datasets", "description": "What there is to push into and read from."},
        {"name": "Export", "description": "Read a dataset's rows with an Export key."},
        {"name": "Document", "description": "This description of the API."},
    ],
    "paths": {
        "/import/push/csv": {"post": PUSH},
        "/import/{importId}/status": {"get": STATUS},
        "/datasets": {"get": DATASETS},
        "/export/datasets/{datasetId}/csv": {"get": EXPORT},
        "/openapi.json": {"get": DOCUMENT_ITSELF},
    },
    "components": {
        "securitySchemes": {
            "importKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "Import key (sb_<prefix>_<secret>): push and follow imports.",
            },
            "exportKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "Export key (sb_<prefix>_<secret>): read datasets.",
            },
        },
        "schemas": SCHEMAS,
        "headers": HEADERS,
        "responses": RESPONSES,
    },
}

DOCUMENT_JSON = json.dumps(OPENAPI, indent=2, ensure_ascii=False).encode("utf-8")
DOCUMENT_ETAG = hashlib.sha256(DOCUMENT_JSON).hexdigest()[:32]


@csrf_exempt
def openapi_document(request: HttpRequest) -> HttpResponseBase:
    """GET /api/v1/openapi.json: public, outside the request budget (it costs nothing)."""
    if request.method not in ("GET", "HEAD"):
        return error_response(405, "method_not_allowed", "Use GET here.", Allow="GET, HEAD")
    return _document(request)


@etag(lambda request: DOCUMENT_ETAG)
def _document(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(DOCUMENT_JSON, content_type="application/json")
    patch_cache_control(response, public=True, max_age=3600)
    # Any site's API tools (an OpenAPI viewer, a client generator) may fetch it: it is public.
    response["Access-Control-Allow-Origin"] = "*"
    return response
