"""A counter per key and time window in Django's cache, for limits such as « 5 per hour »."""

import hashlib

from django.core.cache import cache


def rate_limit_hit(*, scope: str, key: str, limit: int, window: int = 3600) -> bool:
    """Counts one hit on ``key`` and tells whether it is within ``limit`` for the window
    started by its first hit. Keys are hashed: no e-mail address in the cache."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    cache_key = f"ratelimit:{scope}:{digest}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count <= limit
