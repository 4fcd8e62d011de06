"""The import side of the API: push a CSV into a dataset, read an import's status.

Every answer is JSON, errors included (datasets.api.plumbing).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from datasets.api.plumbing import error_response, import_api
from datasets.dry_run import import_push_dry_run
from datasets.errors import ImportRefused, stored_errors_capped
from datasets.models import ApiKey, ImportJob
from datasets.selectors import import_job_delivery_id, import_job_get
from datasets.services import import_push_receive

CONFIGURATION_ID = re.compile(r"[0-9]{1,18}")  # 18 digits always fit a bigint


def _status_url(job: ImportJob) -> str:
    return reverse("datasets:import_status", kwargs={"import_id": str(job.id)})


@import_api("POST")
def import_push_csv(request: HttpRequest, api_key: ApiKey) -> JsonResponse:
    raw_id = request.GET.get("configurationId", "")
    # ASCII digits only: int() and isdecimal() also take other scripts' digits ("١" is 1).
    if not CONFIGURATION_ID.fullmatch(raw_id) or int(raw_id) == 0:
        return error_response(
            400, "bad_request", "Pass the import configuration's id as ?configurationId=<number>."
        )
    # The click this import answers, if the pipeline echoed its Switchboard-Delivery-Id back.
    delivery_id = _echoed_delivery_id(request)
    if delivery_id is None:
        return error_response(
            400,
            "bad_request",
            "The deliveryId parameter and the Switchboard-Delivery-Id header differ: send the "
            "id once, or the same id in both.",
        )
    dry_run = _dry_run_asked(request)
    if dry_run is None:
        return error_response(400, "bad_request", "Pass dryRun=true or dryRun=false.")
    push = _push_arguments(request, api_key, int(raw_id), delivery_id)
    if dry_run:
        return _dry_run(push)
    try:
        job = import_push_receive(**push)
    except ImportRefused as refused:
        return error_response(refused.status, refused.code, refused.message)
    return _accepted(request, job)


def _echoed_delivery_id(request: HttpRequest) -> str | None:
    """`?deliveryId=` or the Switchboard-Delivery-Id header ("" when neither); None when both
    are given and differ."""
    query = request.GET.get("deliveryId", "").strip()
    header = request.headers.get("Switchboard-Delivery-Id", "").strip()
    if query and header and query.lower() != header.lower():
        return None
    return query or header


def _dry_run_asked(request: HttpRequest) -> bool | None:
    """Whether ?dryRun= asks for a dry run; None for a value that is neither yes nor no."""
    raw = request.GET.get("dryRun", "false").strip().lower()
    return {"true": True, "1": True, "false": False, "0": False}.get(raw)


def _push_arguments(
    request: HttpRequest, api_key: ApiKey, configuration_id: int, delivery_id: str
) -> dict[str, Any]:
    """What a push and its dry run both take from the request."""
    return {
        "api_key": api_key,
        "configuration_id": configuration_id,
        "body": request,
        "content_length": request.META.get("CONTENT_LENGTH"),
        "transfer_encoding": request.headers.get("Transfer-Encoding", ""),
        "content_type": request.content_type,
        "max_bytes": settings.IMPORT_MAX_BYTES,
        "delivery_id": delivery_id,
    }


def _dry_run(push: dict[str, Any]) -> JsonResponse:
    """200 with what the import would do; nothing is stored, whatever the file holds."""
    try:
        report = import_push_dry_run(**push)
    except ImportRefused as refused:
        return error_response(refused.status, refused.code, refused.message)
    return JsonResponse(
        {
            "dryRun": True,
            "configurationId": report.configuration.pk,
            "datasetId": report.configuration.dataset_id,
            "mode": report.configuration.mode,
            "valid": report.valid,
            "rowsReceived": report.rows_received,
            "errors": list(report.errors),
        }
    )


def _accepted(request: HttpRequest, job: ImportJob) -> JsonResponse:
    """202 pointing at the status endpoint, where the client follows the import."""
    response = JsonResponse(
        {"importId": str(job.id), "statusUrl": request.build_absolute_uri(_status_url(job))},
        status=202,
    )
    response["Location"] = _status_url(job)
    return response


@import_api("GET")
def import_status(request: HttpRequest, api_key: ApiKey, import_id: str) -> JsonResponse:
    try:
        job_id = uuid.UUID(import_id)
    except ValueError:
        job_id = None
    job = import_job_get(workspace=api_key.workspace, import_id=job_id) if job_id else None
    if job is None:
        return error_response(404, "not_found", f"There is no import {import_id}.")
    return JsonResponse(
        {
            "importId": str(job.id),
            "configurationId": job.configuration_id,
            "status": job.status,
            "rowsReceived": job.rows_received,
            "rowsImported": job.rows_imported,
            # Capped on write; capped again on read for jobs stored before that rule.
            "errors": stored_errors_capped(job.errors),
            "createdAt": job.created_at.isoformat(),
            "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
            # The Switchboard-Delivery-Id of the call this import answers, if it named one.
            "deliveryId": import_job_delivery_id(job=job),
        }
    )
