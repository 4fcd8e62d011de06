"""Integrations → Import API: the API reference for people, read from the OpenAPI document
(datasets.api.openapi) the API serves to programs, so the page and the document cannot drift.

The functions below only reshape the document for the template: resolve its $refs, and say
each schema's type in words. Every path, operation, parameter and answer on the page comes
from the document, in its order.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from datasets.api.openapi import OPENAPI
from workspace.decorators import signed_in
from workspace.http import AuthenticatedHttpRequest
from workspace.selectors import workspace_for_admin

Schema = dict[str, Any]


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # query, path or header
    required: bool
    type: str
    description: str


@dataclass(frozen=True)
class Field:
    name: str  # dotted for nested fields: datasets[].columns[].kind
    type: str
    description: str


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    error_codes: list[str]
    headers: list[str]
    content_type: str


@dataclass(frozen=True)
class Success:
    """A 2xx answer with a body: the fields of its JSON, an example."""

    status: str
    description: str
    fields: list[Field]
    example: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the document has it, after the server URL
    anchor: str
    summary: str
    description: str
    keys: str  # which API keys it takes, in words
    parameters: list[Parameter]
    body: str  # the request body in words, if it takes one
    answers: list[Answer]
    successes: list[Success]
    curl: str


@dataclass(frozen=True)
class Reference:
    title: str
    server: str
    paragraphs: list[str]
    operations: list[Operation]
    common_answers: list[Answer]


@signed_in
def api_reference_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Admins only, like the rest of Integrations (and only admins can make the keys it needs);
    # the document itself is public at /api/v1/openapi.json.
    workspace_for_admin(user=request.user)
    context = {
        "reference": api_reference(),
        "base_url": request.build_absolute_uri("/").rstrip("/"),
    }
    return render(request, "datasets/api_reference.html", context)


@functools.cache
def api_reference() -> Reference:
    info = OPENAPI["info"]
    return Reference(
        title=info["title"],
        server=OPENAPI["servers"][0]["url"],
        paragraphs=info["description"].split("\n\n"),
        operations=list(_operations()),
        common_answers=[
            _answer(_status_of(name), response)
            for name, response in OPENAPI["components"]["responses"].items()
        ],
    )


def _operations() -> Iterator[Operation]:
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            yield _operation(method, path, operation)


def _operation(method: str, path: str, operation: Schema) -> Operation:
    answers = {status: _resolved(response) for status, response in operation["responses"].items()}
    body = operation.get("requestBody")
    return Operation(
        method=method.upper(),
        path=path,
        anchor=operation["operationId"],
        summary=operation["summary"],
        description=operation["description"],
        keys=_keys(operation["security"]),
        parameters=[
            _parameter(_resolved(parameter)) for parameter in operation.get("parameters", [])
        ],
        body=f"{', '.join(body['content'])}: {body['description']}" if body else "",
        answers=[_answer(status, response) for status, response in answers.items()],
        successes=[
            _success(status, answer)
            for status, answer in answers.items()
            if status[0] == "2" and answer.get("content")
        ],
        curl=operation["x-codeSamples"][0]["source"],
    )


def _success(status: str, response: Schema) -> Success:
    content_type, media = next(iter(response["content"].items()))
    example = media.get("example", "")
    if content_type == "application/json":
        return Success(
            status=status,
            description=response["description"],
            fields=list(_fields(media.get("schema", {}))),
            example=json.dumps(example, indent=2) if example else "",
        )
    return Success(status=status, description=response["description"], fields=[], example=example)


def _keys(security: list[Schema]) -> str:
    schemes = OPENAPI["components"]["securitySchemes"]
    if not security:
        return "none needed"
    names = [schemes[name]["description"].split(" (")[0] for entry in security for name in entry]
    return " or ".join(names)


def _parameter(parameter: Schema) -> Parameter:
    return Parameter(
        name=parameter["name"],
        location=parameter["in"],
        required=parameter.get("required", False),
        type=_type_text(parameter["schema"]),
        description=parameter.get("description", ""),
    )


def _answer(status: str, response: Schema) -> Answer:
    response = _resolved(response)
    content = response.get("content", {})
    schema = _resolved(content.get("application/json", {}).get("schema", {}))
    code = schema.get("properties", {}).get("error", {}) if "allOf" in schema else {}
    return Answer(
        status=status,
        description=response["description"],
        error_codes=[code["const"]] if "const" in code else code.get("enum", []),
        headers=list(response.get("headers", {})),
        content_type=", ".join(content),
    )


def _status_of(response_name: str) -> str:
    """The status a shared answer is used under, from the first operation that uses it."""
    ref = f"#/components/responses/{response_name}"
    for item in OPENAPI["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if response.get("$ref") == ref:
                    return status
    return "404"  # NotFound: unknown paths, which no operation names


def _fields(schema: Schema, prefix: str = "") -> Iterator[Field]:
    for name, prop in _resolved(schema).get("properties", {}).items():
        prop = _resolved(prop)
        yield Field(prefix + name, _type_text(prop), prop.get("description", ""))
        for nested, marker in _nested_objects(prop):
            yield from _fields(nested, f"{prefix}{name}{marker}.")


def _nested_objects(schema: Schema) -> Iterator[tuple[Schema, str]]:
    """Objects inside a property, to list their fields too: its items, its non-null variant."""
    if "items" in schema and "properties" in _resolved(schema["items"]):
        yield _resolved(schema["items"]), "[]"
    for variant in schema.get("oneOf", []):
        if "properties" in _resolved(variant):
            yield _resolved(variant), ""


def _type_text(schema: Schema) -> str:
    """A schema's type in words: "string (uuid) or null", "array of integer", "one of …"."""
    schema = _resolved(schema)
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if "oneOf" in schema:
        return " or ".join(_type_text(variant) for variant in schema["oneOf"])
    types = schema.get("type", "any")
    words = []
    for kind in types if isinstance(types, list) else [types]:
        if kind == "array":
            words.append("array of " + _type_text(schema.get("items", {})))
        elif kind == "object" and "properties" in schema:
            words.append("object")
        else:
            words.append(
                f"{kind} ({schema['format']})" if "format" in schema and kind != "null" else kind
            )
    return " or ".join(words)


def _resolved(schema: Schema) -> Schema:
    """The document's local $refs (#/components/…) followed."""
    while "$ref" in schema:
        node: Any = OPENAPI
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema
