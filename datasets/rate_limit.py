"""The import API's per-IP request budget: a moving (sliding) window, shared through Redis.

A fixed window resets its count at each boundary, so a client that waits out its 429 gets a whole
new budget at once. The moving window (the `limits` package's MovingWindowRateLimiter) keeps the
time of each admitted request and admits another only while fewer than the limit fall within the
last period: never more than the limit in any span of that length.

With REDIS_URL the times live in Redis (one list per client address, trimmed to the limit), so
every app process shares one budget per address; without it, in this process's memory, which is
fine for development and the test suite (production refuses to start without REDIS_URL).
"""

from __future__ import annotations

import functools
import logging
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from limits import (
    RateLimitItem,
    RateLimitItemPerDay,
    RateLimitItemPerHour,
    RateLimitItemPerMinute,
    RateLimitItemPerSecond,
)
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

NAMESPACE = "import-api"
# "500/5m": requests/[count]unit, the format django-ratelimit read, so existing values still work.
RATE_FORMAT = re.compile(r"(?P<amount>[0-9]+)/(?P<multiples>[0-9]*)(?P<unit>[smhd])")
RATE_UNITS: dict[str, type[RateLimitItem]] = {
    "s": RateLimitItemPerSecond,
    "m": RateLimitItemPerMinute,
    "h": RateLimitItemPerHour,
    "d": RateLimitItemPerDay,
}


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int  # whole seconds until a request from this address is admitted; 0 if allowed


@functools.lru_cache(maxsize=8)
def import_rate_parse(value: str) -> RateLimitItem:
    """The limit an IMPORT_RATE_LIMIT value describes; ImproperlyConfigured if it is not one."""
    match = RATE_FORMAT.fullmatch(value.strip())
    amount = int(match["amount"]) if match else 0
    multiples = int(match["multiples"] or 1) if match else 0
    if not match or amount == 0 or multiples == 0:
        raise ImproperlyConfigured(
            f"IMPORT_RATE_LIMIT must look like 500/5m (requests per number of s, m, h or d), "
            f"not {value!r}."
        )
    return RATE_UNITS[match["unit"]](amount, multiples, namespace=NAMESPACE)


class RateLimitUnavailable(Exception):
    """The shared counts (Redis) could not be read or written."""


def import_rate_limit_hit(*, client_ip: str) -> RateDecision:
    """Count one request from `client_ip` if the window has room; else say when it will.

    Raises RateLimitUnavailable when the shared store is down.
    """
    # Read per request, so the operator's setting (and a test's override) always applies.
    item = import_rate_parse(settings.IMPORT_RATE_LIMIT)
    limiter = MovingWindowRateLimiter(_storage())
    try:
        if limiter.hit(item, client_ip):
            return RateDecision(allowed=True, retry_after=0)
        window_ends, _remaining = limiter.get_window_stats(item, client_ip)
    except (RedisError, OSError) as error:
        logger.error("Import rate limit store unavailable: %s", type(error).__name__)
        raise RateLimitUnavailable from error
    return RateDecision(allowed=False, retry_after=_seconds_until_after(window_ends))


def import_rate_limit_reset() -> None:
    """Forget every count (tests; an operator lifting a block)."""
    _storage().reset()


def _seconds_until_after(moment: float) -> int:
    # The window still counts a request exactly one period old, so room opens only after
    # `moment`: the first whole second strictly past it, and at least 1.
    return max(1, math.floor(moment - time.time()) + 1)


@functools.cache
def _storage() -> Storage:
    if not settings.REDIS_URL:
        return MemoryStorage()
    from django_redis import get_redis_connection

    # The Django cache's connection pool (same URL and options), and its key prefix, so parallel
    # deployments or test runs on one Redis keep apart.
    pool = get_redis_connection("default").connection_pool
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return RedisStorage(settings.REDIS_URL, connection_pool=pool, key_prefix=f"{prefix}:rate-limit")
