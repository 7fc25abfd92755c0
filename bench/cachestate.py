"""The page cache's state in Redis: empty it before a cold run, and weigh what it holds.

Runs in the harness after ``django.setup()``, with the served site's cache settings, so
key names come from the cache itself (``make_key``: prefix and version included). The
page cache stores HTML pages under ``page:…`` and API answers under ``api:page:…``
(``kernel/caching.py``), search result cards under ``card:…``
(``listings/cards.py``); Django's template fragment cache would store under
``template.cache.…``. A cold run starts without any of them. Other keys — partner keys,
rate windows, sessions — are left alone.
"""

from django.conf import settings
from django.core.cache import cache

# What each group's keys start with, before the cache's own prefix and version.
GROUPS = {
    "pages": "page:",
    "api": "api:page:",
    "fragments": "template.cache.",
    "cards": "card:",
}
GENERATION_KEY = "pages:generation"


def _client():
    """A redis-py client on the cache's server, or None when the cache is not Redis."""
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return None
    import redis

    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def is_shared() -> bool:
    return _client() is not None


def _keys(client, group_prefix: str) -> list[bytes]:
    pattern = cache.make_key(group_prefix) + "*"
    return list(client.scan_iter(match=pattern, count=1000))


def flush() -> int:
    """Delete every cached page and API answer and the generation; how many keys went."""
    client = _client()
    if client is None:
        return 0
    deleted = 0
    for prefix in GROUPS.values():
        keys = _keys(client, prefix)
        for start in range(0, len(keys), 1000):
            deleted += client.delete(*keys[start : start + 1000])
    deleted += client.delete(cache.make_key(GENERATION_KEY))
    return deleted


def memory() -> dict[str, dict[str, int]] | None:
    """Per group, how many keys the cache holds and their bytes (Redis MEMORY USAGE)."""
    client = _client()
    if client is None:
        return None
    used = {}
    for group, prefix in GROUPS.items():
        keys = _keys(client, prefix)
        total = 0
        for start in range(0, len(keys), 1000):
            pipeline = client.pipeline(transaction=False)
            for key in keys[start : start + 1000]:
                pipeline.memory_usage(key, samples=0)
            total += sum(size or 0 for size in pipeline.execute())
        used[group] = {"keys": len(keys), "bytes": total}
    return used
