"""A small read-through cache on Redis that never fails its caller.

`Cache(url)` with an empty URL is a pass-through: `read_through` just calls the loader. With a
Redis URL, answers are stored as JSON under a namespace *version*: `read_through` reads the
namespace's version first, then `<prefix>:<namespace>:<version>:<key>`; `invalidate` bumps the
version, so every answer cached before it is unreachable at once (and expires by its TTL).
Because a reader takes the version *before* it reads the database, and writers bump it *after*
they commit, a reader that loaded old rows can only store them under a version that is
already out of date: no stale answer outlives an invalidation.

Any Redis error (refused, timed out, evicted, garbage) is counted in `failures`, logged at
most once per `log_every_seconds`, and the call falls back to the loader. After a failure the
cache is skipped for `retry_after_seconds` (reads only: invalidations are always tried); an
invalidation that fails is retried before this process trusts the cache again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

log = structlog.get_logger("ecart.cache")

T = TypeVar("T")


class Cache:
    def __init__(
        self,
        url: str = "",
        *,
        ttl_seconds: float = 60.0,
        prefix: str = "ecart",
        timeout_seconds: float = 0.2,
        retry_after_seconds: float = 1.0,
        log_every_seconds: float = 30.0,
    ) -> None:
        self.url = url
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self.prefix = prefix
        self.retry_after_seconds = retry_after_seconds
        self.log_every_seconds = log_every_seconds
        self.hits = 0
        self.misses = 0
        self.failures = 0
        """Redis calls that failed (each one fell back to the database)."""
        self._down_until = 0.0
        self._last_log = float("-inf")
        self._unlogged = 0
        self._pending: set[str] = set()
        self._redis: Redis | None = None
        if url:
            self._redis = Redis.from_url(
                url,
                socket_timeout=timeout_seconds,
                socket_connect_timeout=timeout_seconds,
                retry=Retry(NoBackoff(), 0),
                retry_on_timeout=False,
                health_check_interval=0,
            )

    @property
    def enabled(self) -> bool:
        return self._redis is not None

    @property
    def client(self) -> Redis | None:
        """The Redis client (to instrument it), or None without a cache."""
        return self._redis

    def _version_key(self, namespace: str) -> str:
        return f"{self.prefix}:{namespace}:version"

    def _down(self) -> bool:
        """True for a moment after a failure: reads skip Redis instead of waiting on it."""
        return time.monotonic() < self._down_until

    def _failed(self, operation: str, exc: BaseException) -> None:
        self.failures += 1
        self._down_until = time.monotonic() + self.retry_after_seconds
        now = time.monotonic()
        if now - self._last_log >= self.log_every_seconds:
            log.warning(
                "cache_unavailable",
                operation=operation,
                error=repr(exc),
                failures=self.failures,
                suppressed=self._unlogged,
            )
            self._last_log = now
            self._unlogged = 0
        else:
            self._unlogged += 1

    async def version(self, namespace: str) -> str | None:
        """The namespace's current version, or None when the cache should not be used."""
        if self._redis is None or self._down():
            return None
        if namespace in self._pending and not await self.invalidate(namespace):
            return None
        key = self._version_key(namespace)
        try:
            value = await self._redis.get(key)
            if value is None:
                # Never seen, or lost (restart, eviction): start from a fresh number so keys
                # written under an earlier life of this counter are not read again.
                await self._redis.set(key, time.time_ns(), nx=True)
                value = await self._redis.get(key)
        except Exception as exc:
            self._failed("version", exc)
            return None
        return value.decode() if isinstance(value, bytes) else None

    async def get(self, key: str) -> Any | None:
        """The JSON value stored at `key`, or None (a miss, or Redis unavailable)."""
        if self._redis is None or self._down():
            return None
        try:
            raw = await self._redis.get(f"{self.prefix}:{key}")
            return None if raw is None else json.loads(raw)
        except Exception as exc:
            self._failed("get", exc)
            return None

    async def set(self, key: str, value: Any, ttl_seconds: float | None = None) -> None:
        """Stores `value` (JSON-serialisable, not None) with a TTL; errors are swallowed."""
        if self._redis is None or self._down():
            return
        ttl_ms = self.ttl_ms if ttl_seconds is None else max(1, int(ttl_seconds * 1000))
        try:
            payload = json.dumps(value, separators=(",", ":"))
            await self._redis.set(f"{self.prefix}:{key}", payload, px=ttl_ms)
        except Exception as exc:
            self._failed("set", exc)

    async def delete(self, *keys: str) -> bool:
        if self._redis is None or not keys:
            return True
        try:
            await self._redis.delete(*(f"{self.prefix}:{key}" for key in keys))
        except Exception as exc:
            self._failed("delete", exc)
            return False
        return True

    async def invalidate(self, namespace: str) -> bool:
        """Bumps the namespace's version. Call it after the change has committed. False if
        Redis could not be told; this process then keeps trying before it reads the cache."""
        if self._redis is None:
            return True
        key = self._version_key(namespace)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(key, time.time_ns(), nx=True)
                pipe.incr(key)
                await pipe.execute()
        except Exception as exc:
            self._pending.add(namespace)
            self._failed("invalidate", exc)
            return False
        self._pending.discard(namespace)
        return True

    async def read_through(
        self,
        namespace: str,
        key: str,
        load: Callable[[], Awaitable[T]],
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
    ) -> T:
        """The cached answer for `key` in `namespace`, else `load()` (stored unless `encode`
        gives None). Redis trouble means `load()` and nothing else."""
        version = await self.version(namespace)
        if version is None:
            return await load()
        full_key = f"{namespace}:{version}:{key}"
        cached = await self.get(full_key)
        if cached is not None:
            try:
                value = decode(cached)
            except Exception as exc:  # an entry this code cannot read: reload it
                log.warning("cache_entry_unreadable", key=full_key, error=repr(exc))
            else:
                self.hits += 1
                return value
        self.misses += 1
        value = await load()
        try:
            encoded = encode(value)
        except Exception as exc:  # a value this code cannot store: serve it uncached
            log.warning("cache_entry_unstorable", key=full_key, error=repr(exc))
            return value
        if encoded is not None:
            await self.set(full_key, encoded)
        return value

    async def close(self) -> None:
        if self._redis is not None:
            try:
                await self._redis.aclose()
            except Exception as exc:
                log.warning("cache_close_failed", error=repr(exc))
