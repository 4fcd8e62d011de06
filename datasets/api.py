"""The import API: push a CSV into a dataset, read an import's status.

Every answer is JSON, errors included. Clients authenticate with an Import API key
(`Authorization: Bearer <key>`); both endpoints share one per-IP request budget.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from config.client_ip import client_ip
from datasets.errors import ImportRefused, stored_errors_capped
from datasets.models import ImportJob
from datasets.rate_limit import RateLimitUnavailable, import_rate_limit_hit
from datasets.selectors import import_job_get
from datasets.services import import_push_receive
from integrations.models import ApiKey
from integrations.services.api_keys import ApiKeyRefused, api_key_authenticate

logger = logging.getLogger(__name__)

CONFIGURATION_ID = re.compile(r"[0-9]{1,18}")  # 18 digits always fit a bigint


def error_response(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def rate_limited(retry_after: int) -> JsonResponse:
    """429 with Retry-After: the seconds until this client's next request is admitted."""
    return error_response(
        429,
        "rate_limited",
        f"Too many requests from this address (limit {settings.IMPORT_RATE_LIMIT}). "
        f"Retry in {retry_after} seconds.",
        Retry_After=str(retry_after),
    )


def import_api(method: str) -> Callable:
    """Shared plumbing: CSRF-exempt, rate limit, one method, a valid Import key, JSON on crash."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
            # Counted before anything else, so unauthenticated and wrong-method requests count too.
            try:
                decision = import_rate_limit_hit(client_ip=client_ip(request))
            except RateLimitUnavailable:
                # Fail closed: without the shared counts nobody can tell whether this client
                # is within its budget.
                return error_response(
                    503,
                    "unavailable",
                    "The service is briefly unavailable. Retry in 30 seconds.",
                    Retry_After="30",
                )
            if not decision.allowed:
                return rate_limited(decision.retry_after)
            if request.method != method:
                return error_response(
                    405, "method_not_allowed", f"Use {method} here.", Allow=method
                )
            try:
                api_key = _authenticate(request)
            except ApiKeyRefused as refused:
                if refused.status == 401:
                    return error_response(
                        401, "unauthorized", refused.message, WWW_Authenticate="Bearer"
                    )
                # The client identified itself; it needs another key, not to sign in again.
                return error_response(refused.status, "forbidden", refused.message)
            try:
                return view(request, api_key, *args, **kwargs)
            except Exception as error:
                if isinstance(error, OperationalError) and "locked" in str(error):
                    raise  # SQLite busy: DatabaseBusyMiddleware answers 503 with Retry-After
                logger.exception("Import API error")
                return error_response(500, "internal_error", "Something went wrong on our side.")

        return wrapper

    return decorator


def _authenticate(request: HttpRequest) -> ApiKey:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    raw_key = token.strip() if scheme.lower() == "bearer" else ""
    return api_key_authenticate(raw_key=raw_key, key_type=ApiKey.KeyType.IMPORT)


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
    try:
        job = import_push_receive(
            api_key=api_key,
            configuration_id=int(raw_id),
            body=request,
            content_length=request.META.get("CONTENT_LENGTH"),
            transfer_encoding=request.headers.get("Transfer-Encoding", ""),
            content_type=request.content_type,
            max_bytes=settings.IMPORT_MAX_BYTES,
        )
    except ImportRefused as refused:
        return error_response(refused.status, refused.code, refused.message)
    return _accepted(request, job)


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
        }
    )


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return error_response(404, "not_found", "There is no such API endpoint.")
