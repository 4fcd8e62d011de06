"""View decorators shared by every app."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from workspace.http import HtmxHttpRequest


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """login_required that also suits HTMX requests.

    A plain redirect to the sign-in page would be followed by htmx and the login form swapped
    into a widget (a board's change check runs every second, so an expired session hits this
    first). HTMX requests get HX-Redirect to the sign-in page instead, returning to the page.
    """

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            return HttpResponseClientRedirect(redirect_to_login(_back_to(request)).url)
        return redirect_to_login(request.get_full_path())

    return wrapper


def _back_to(request: HtmxHttpRequest) -> str:
    """The page htmx was on, to return to after signing in; else this request's own path.

    HX-Current-URL is whatever the client sent: a malformed one ("http://[::1") makes the URL
    parser raise ValueError, which must not turn a sign-in redirect into a server error.
    """
    try:
        current = request.htmx.current_url_abs_path
    except ValueError:
        current = None
    return current or request.get_full_path()
