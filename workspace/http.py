"""Request types for views: what our middleware and sign-in decorators add to HttpRequest.

Annotate a view's `request` with these so `request.htmx` and a signed-in `request.user` type-check
(django-htmx's documented pattern; django-stubs' for the user).
"""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """Any request: HtmxMiddleware (config.settings.MIDDLEWARE) gives every one `htmx`."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a view that runs only for a signed-in user (`signed_in`, `login_required`)."""

    user: User
