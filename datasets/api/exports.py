"""The export side of the API: list what a workspace has, and read a dataset as CSV.

Errors are JSON as everywhere under /api/v1/ (datasets.api.plumbing); a successful export is
CSV, streamed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponseBase, JsonResponse, StreamingHttpResponse

from datasets.api.plumbing import any_key_api, error_response, export_api
from datasets.errors import ImportRefused
from datasets.exports import ExportRefused, dataset_csv_chunks, dataset_export_plan
from datasets.models import ApiKey, Dataset, ImportJob
from datasets.selectors import (
    CatalogueEntry,
    dataset_catalogue,
    dataset_get_for_key,
    import_job_of_dataset,
)

DATASET_ID = re.compile(r"[0-9]{1,18}")


@any_key_api("GET")
def dataset_index(request: HttpRequest, api_key: ApiKey) -> JsonResponse:
    """What a pipeline may push to or read: every dataset of the key's workspace."""
    entries = dataset_catalogue(workspace=api_key.workspace)
    return JsonResponse({"datasets": [_described(entry) for entry in entries]})


def _described(entry: CatalogueEntry) -> dict:
    dataset, job = entry.dataset, entry.last_import
    return {
        "id": dataset.pk,
        "name": dataset.name,
        "columns": [{"name": column.name, "kind": column.kind} for column in dataset.columns.all()],
        "rowCount": dataset.row_count,
        "version": dataset.version,
        "updatedAt": dataset.updated_at.isoformat() if dataset.updated_at else None,
        "lastImport": None
        if job is None
        else {
            "importId": str(job.id),
            "status": job.status,
            "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        },
        "importConfigurations": [
            {"id": configuration.pk, "name": configuration.name, "mode": configuration.mode}
            for configuration in dataset.import_configurations.all()
        ],
    }


@export_api("GET")
def dataset_export_csv(request: HttpRequest, api_key: ApiKey, dataset_id: str) -> HttpResponseBase:
    if not DATASET_ID.fullmatch(dataset_id) or int(dataset_id) == 0:
        return error_response(404, "not_found", f"There is no dataset {dataset_id}.")
    try:
        dataset = dataset_get_for_key(api_key=api_key, dataset_id=int(dataset_id))
        plan = dataset_export_plan(
            dataset=dataset,
            columns=request.GET.get("columns"),
            since=_since(dataset, request.GET.get("since")),
        )
    except ImportRefused as refused:
        return error_response(refused.status, refused.code, refused.message)
    chunks = dataset_csv_chunks(plan)
    response = StreamingHttpResponse(
        _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks,
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = _attachment(plan.filename)
    response["Cache-Control"] = "no-store"
    return response


def _since(dataset: Dataset, raw: str | None) -> ImportJob | None:
    if raw is None:
        return None
    try:
        import_id = uuid.UUID(raw)
    except ValueError:
        raise ExportRefused(
            "Pass an import's id as ?since=<importId> (from its 202 answer)."
        ) from None
    job = import_job_of_dataset(dataset=dataset, import_id=import_id)
    if job is None:
        raise ExportRefused(
            f"There is no import {import_id} into this dataset.", status=404, code="not_found"
        )
    return job


def _attachment(filename: str) -> str:
    """The file name for any client: an ASCII fallback, and the exact name as RFC 6266 has it."""
    fallback = re.sub(r"[^A-Za-z0-9 ._-]", "_", filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Served over ASGI, a sync iterator would be read whole into memory first (Django's
    StreamingHttpResponse does so): pull one chunk at a time in the request's sync thread
    instead, where the export's database cursor lives."""
    pull = sync_to_async(_next_or_none, thread_sensitive=True)
    try:
        while (chunk := await pull(chunks)) is not None:
            yield chunk
    finally:
        # A client that goes away mid-export: close the cursor in the thread that opened it.
        await sync_to_async(_close, thread_sensitive=True)(chunks)


def _next_or_none(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()
