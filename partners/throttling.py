"""Per-key rate limits that hold across every server process.

A fixed one-minute window per key. Each request increments the window's counter with one
atomic operation and is refused when the result passes the key's ``rate_per_minute``, so N
workers together allow exactly the rate — unlike DRF's built-in throttles, whose
read-then-write of a history list lets each worker allow the full rate.

- With ``REDIS_URL``: ``INCR`` and ``EXPIRE`` in one Lua script (one round trip, atomic).
- Without Redis: a ``ThrottleWindow`` row per key and minute, incremented with an
  ``UPDATE … SET count = count + 1`` in a transaction; the row lock (PostgreSQL) or the
  write lock (SQLite) orders concurrent requests, so the count is exact there too.

If Redis cannot be reached the request is let through and a warning logged: an outage of
the counter store must not take the API down with it.
"""

import functools
import logging
import math
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from partners.models import PartnerKey, ThrottleWindow

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60

_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    count: int
    retry_after: int  # seconds until the window resets


def store() -> str:
    return settings.PARTNER_THROTTLE_STORE or ("redis" if settings.REDIS_URL else "database")


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


@functools.cache
def _increment_script(url: str):
    return _redis_client(url).register_script(_INCREMENT)


def _count_in_redis(key_prefix: str, window: int) -> int | None:
    # The key's random public prefix, not its row id: ids repeat across databases.
    name = f"{settings.CACHE_KEY_PREFIX}:partner-throttle:{key_prefix}:{window}"
    try:
        return int(_increment_script(settings.REDIS_URL)(keys=[name], args=[WINDOW_SECONDS * 2]))
    except redis.RedisError as error:
        logger.warning("Rate-limit counter unavailable, request let through: %s", error)
        return None


def _count_in_database(key_id: int, window: int) -> int:
    rows = ThrottleWindow.objects.filter(key_id=key_id, window=window)
    with transaction.atomic():
        if rows.update(count=F("count") + 1):
            return rows.values_list("count", flat=True).get()
        try:
            with transaction.atomic():
                ThrottleWindow.objects.create(key_id=key_id, window=window, count=1)
        except IntegrityError:
            # Another process created this window's row first: count on it.
            rows.update(count=F("count") + 1)
            return rows.values_list("count", flat=True).get()
        ThrottleWindow.objects.filter(key_id=key_id, window__lt=window).delete()
        return 1


def hit(key: PartnerKey, *, now: float | None = None) -> Decision:
    """Count one request for ``key`` and say whether it is within the key's rate."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    if store() == "redis":
        count = _count_in_redis(key.prefix, window)
        if count is None:
            return Decision(True, key.rate_per_minute, 0, retry_after)
    else:
        count = _count_in_database(key.pk, window)
    return Decision(count <= key.rate_per_minute, key.rate_per_minute, count, retry_after)
