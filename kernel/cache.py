"""A Redis cache that degrades instead of failing when Redis is unreachable.

Django's ``RedisCache`` raises on a connection error, so a Redis outage would turn every
page that touches the cache (sessions, throttles) into a 500. Here a connection error or
timeout is logged once and the call answers as if the cache were empty:

- ``get`` → the default (a miss), ``get_many`` → ``{}``, ``has_key`` → ``False``;
- ``set``, ``delete``, ``delete_many``, ``clear`` → nothing stored or removed;
  ``set_many`` → every key reported as not stored; ``touch`` and ``add`` → ``False``;
- ``incr``/``decr`` → ``0``: a counter whose value is unknown reads as zero, so every
  throttle built on the cache (sign-in, partner API rates) **fails open** while Redis is
  down. That is deliberate: an outage must not lock every patient out, Argon2 keeps each
  password guess slow, and the outage is logged for the operator.

Sessions use ``cached_db`` with this cache, so they fall back to the database. After a
failure Redis is not retried for ``RETRY_INTERVAL`` seconds (default 5), so an outage
costs each request nothing rather than a connection timeout per cache call.
Errors other than connection failures (a bad command, a serialisation bug) still raise.

Django's client builds a new ``redis.Redis`` object for every call; with redis-py 8 that
costs more than the round trip itself on a cached page. A ``redis.Redis`` is thread-safe
(it takes a connection from its pool per command), so one per pool serves every call.
"""

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one ``redis.Redis`` per connection pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class ResilientRedisCache(RedisCache):
    """``RedisCache`` that treats an unreachable server as an empty cache (see module doc)."""

    def __init__(self, server, params):
        params = dict(params)
        self.retry_interval = float(params.pop("RETRY_INTERVAL", 5))
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._down_until = 0.0
        self._state_lock = threading.Lock()
        self._down = False

    @property
    def is_down(self) -> bool:
        return self._down

    def _guarded(self, name: str, fallback: Any, *args, **kwargs) -> Any:
        if self._down and time.monotonic() < self._down_until:
            return fallback
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except OUTAGE_ERRORS as exc:
            with self._state_lock:
                if not self._down:
                    logger.warning(
                        "Redis cache unreachable (%s); serving without cache until it returns",
                        exc,
                    )
                self._down = True
                self._down_until = time.monotonic() + self.retry_interval
            return fallback
        if self._down:
            with self._state_lock:
                if self._down:
                    logger.warning("Redis cache reachable again")
                self._down = False
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("add", False, key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._guarded("get", default, key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("set", None, key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("touch", False, key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._guarded("delete", False, key, version=version)

    def get_many(self, keys, version=None):
        return self._guarded("get_many", {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._guarded("has_key", False, key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._guarded("incr", 0, key, delta=delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("set_many", list(data), data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._guarded("delete_many", None, keys, version=version)

    def clear(self):
        return self._guarded("clear", False)
