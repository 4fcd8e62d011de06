"""Sign-in throttling on the shared cache (Redis in production)."""

from django.http import HttpRequest
from django_ratelimit.core import get_usage

from config.client_ip import client_ip

# Password guessing: failed attempts are counted per client address (any account) and per client
# address and account. Only failures count, and an account is never locked for everyone: someone
# guessing from elsewhere cannot keep its owner out.
SIGN_IN_FAILURES_ALLOWED = [("ip", 30), ("ip-and-account", 10)]
SIGN_IN_WINDOW = "5m"


def _ip_and_account(group: str, request: HttpRequest) -> str:
    return f"{client_ip(request)}|{request.POST.get('username', '').strip().lower()}"


def sign_in_failures_exceeded(request: HttpRequest, *, count_one_more: bool) -> bool:
    """Whether this address (or this address and account) has failed too often; with
    count_one_more, record one more failure first."""
    exceeded = False
    for name, allowed in SIGN_IN_FAILURES_ALLOWED:
        usage = get_usage(
            request,
            group=f"sign-in-failures:{name}",
            key="ip" if name == "ip" else _ip_and_account,
            rate=f"{allowed}/{SIGN_IN_WINDOW}",
            increment=count_one_more,
        )
        exceeded = exceeded or (usage is not None and usage["count"] >= allowed)
    return exceeded
