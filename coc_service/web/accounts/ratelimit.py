"""Attempt counters in Redis: a fixed window per (purpose, key), shared by every web process."""

from __future__ import annotations

import hashlib
import logging

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def limiter_key(*parts: str) -> str:
    """Return a key that identifies a client or an account without holding it in clear."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:40]


def too_many(redis: Redis, purpose: str, key: str, limit: int, window_s: int) -> bool:
    """Count one attempt; return True when more than `limit` were made in the window.

    If Redis cannot be reached the attempt is let through (and logged): the site stays usable,
    and Argon2id still makes each guess slow.
    """
    name = f"coc:ratelimit:{purpose}:{key}"
    try:
        pipe = redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window_s, nx=True)
        count, _ = pipe.execute()
    except RedisError:
        log.warning("rate limiter unavailable", extra={"purpose": purpose})
        return False
    return int(count) > limit


def reset(redis: Redis, purpose: str, key: str) -> None:
    try:
        redis.delete(f"coc:ratelimit:{purpose}:{key}")
    except RedisError:
        log.warning("rate limiter unavailable", extra={"purpose": purpose})
