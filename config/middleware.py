"""Cross-cutting response handling: the Content-Security-Policy, a busy database, and the
messages for the workers that leave once the response has been sent.

Content-Security-Policy: the app's pages load scripts and styles only from our own origin (htmx
is served by django-htmx from static files, and templates carry no inline scripts, handlers or
style attributes), so a strict policy costs nothing and turns an injected <script> into a blocked
request. The Django admin's own templates use a few inline styles, so its pages allow them.
"""

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django_htmx.http import reswap, retarget
from psycopg_pool import PoolTimeout

from config.celery import messages_held, messages_send

logger = logging.getLogger(__name__)

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
ADMIN = STRICT.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            policy = ADMIN if request.path.startswith("/admin/") else STRICT
            response["Content-Security-Policy"] = policy
        return response


class PublishAfterResponseMiddleware:
    """The messages a request hands to the workers (a click's send, an import's run) leave once
    its response has been sent: publishing takes about a millisecond of this process's
    interpreter lock, which the request would otherwise wait for while drawing its answer.

    The server closes the response once the body is out (a streamed one at its end), wherever
    that runs; a request cut off before that leaves its rows waiting, and the sweep hands them
    on within seconds, as for a process that dies before its publishing thread has sent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with messages_held() as held:
            try:
                response = self.get_response(request)
            except BaseException:
                messages_send(held)
                raise
        # Django's own hook for work at close (FileResponse closes its file through it).
        response._resource_closers.append(lambda: messages_send(held))  # type: ignore[attr-defined]
        return response


class DatabaseBusyMiddleware:
    """Answer "busy, try again" with a 503 instead of a server error when the database cannot
    take the request in time: on SQLite (one writer at a time) when a long write such as a large
    import holds the lock past the connection timeout; on PostgreSQL when every connection of
    the process's pool stayed taken past the pool timeout (a burst of requests).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _database_busy(exception):
            return None
        logger.warning("Database busy: answered 503 to %s %s", request.method, request.path)
        if request.path.startswith("/api/"):
            response = HttpResponse(
                b'{"error": "busy", "message": "The database is busy. Try again shortly."}',
                content_type="application/json",
                status=503,
            )
        elif getattr(request, "htmx", False):
            body = render_to_string("busy.html#busy-message", request=request)
            response = reswap(retarget(HttpResponse(body, status=503), "#page-alerts"), "innerHTML")
        else:
            response = HttpResponse(render_to_string("busy.html", request=request), status=503)
        response["Retry-After"] = "5"
        return response


def _database_busy(exception: Exception) -> bool:
    if not isinstance(exception, OperationalError):
        return False
    return "locked" in str(exception) or isinstance(exception.__cause__, PoolTimeout)
