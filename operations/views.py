"""Health endpoints for load balancers and orchestrators, and metrics for Prometheus.

None of them uses the session or a login. /healthz and /readyz answer plain http too
(SECURE_REDIRECT_EXEMPT); /metrics answers only a request carrying METRICS_TOKEN.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from operations.metrics import metrics_render
from operations.selectors import FAILED, OK, readiness_checks


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers requests. Touches nothing else, so a database outage does
    not get every web process restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database and the broker answer, and a worker ran the heartbeat lately."""
    checks = readiness_checks()
    if any(state != OK for state in checks.values()):
        failed = [name for name, state in checks.items() if state == FAILED]
        return JsonResponse({"status": "failed", "failed": failed, "checks": checks}, status=503)
    return JsonResponse({"status": "ok", "checks": checks})


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404  # no token configured: as if there were no metrics at all
    if not _bearer_matches(request, token):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    try:
        body = metrics_render()
    except DatabaseError:
        return HttpResponse("Database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _bearer_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Constant time: how long the comparison takes says nothing about how much of it matched.
    return hmac.compare_digest(given.strip().encode(), token.encode())
