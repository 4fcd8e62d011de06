"""What every endpoint of the import and export API shares: JSON errors, the per-IP request
budget, one method per endpoint, an API key of the endpoint's type, and JSON on a crash.

Clients authenticate with `Authorization: Bearer <key>`. Import keys push and read imports;
Export keys read datasets. All endpoints share one per-IP request budget.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from config.client_ip import client_ip
from datasets.api_key_services import ApiKeyRefused, api_key_authenticate
from datasets.models import ApiKey
from datasets.rate_limit import RateLimitUnavailable, import_rate_limit_hit

logger = logging.getLogger(__name__)


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


def api_endpoint(method: str, key_type: str | None) -> Callable:
    """Shared plumbing: CSRF-exempt, rate limit, one method, a valid key of `key_type` (None:
    either type), JSON on a crash."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
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
                api_key = _authenticate(request, key_type)
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
                logger.exception("API error")
                return error_response(500, "internal_error", "Something went wrong on our side.")

        return wrapper

    return decorator


def _authenticate(request: HttpRequest, key_type: str | None) -> ApiKey:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    raw_key = token.strip() if scheme.lower() == "bearer" else ""
    return api_key_authenticate(raw_key=raw_key, key_type=key_type)


def import_api(method: str) -> Callable:
    """An endpoint of the import side: an Import key."""
    return api_endpoint(method, ApiKey.KeyType.IMPORT)


def export_api(method: str) -> Callable:
    """An endpoint of the export side: an Export key."""
    return api_endpoint(method, ApiKey.KeyType.EXPORT)


def any_key_api(method: str) -> Callable:
    """An endpoint either kind of key may call (discovering what there is to push or read)."""
    return api_endpoint(method, None)


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return error_response(404, "not_found", "There is no such API endpoint.")
