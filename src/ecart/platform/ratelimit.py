"""Abuse limits (the `limits` library): memory storage on the embedded default, Redis when
configured (`redis://…`, shared by every instance). Keys are the client address (see
`client_address`) or an account.

If Redis cannot be reached the limits do not fail the request: they fall back to counters in
this process's memory (logged at most every 30 s, counted in `failures`) until Redis answers
again, retried at most once a second. So an outage never turns into a 500 or a lock-out, and a
single instance still limits what reaches it."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import structlog
from fastapi import HTTPException, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from redis.asyncio import ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

log = structlog.get_logger("ecart.ratelimit")


def rate_limit(text: str) -> RateLimitItem:
    """Parses "20/minute", "10 per 15 minutes"; raises ValueError with the text if invalid."""
    return parse(text)


class TooManyRequests(HTTPException):
    def __init__(self, retry_after: int, detail: str) -> None:
        super().__init__(429, detail, headers={"Retry-After": str(retry_after)})


class RateLimits:
    def __init__(
        self,
        storage_uri: str = "memory://",
        *,
        key_prefix: str = "ecart-limits",
        on_limited: Callable[[str], None] = lambda _name: None,
        timeout_seconds: float = 0.2,
        retry_after_seconds: float = 1.0,
        log_every_seconds: float = 30.0,
    ) -> None:
        self.key_prefix = key_prefix
        self.on_limited = on_limited  # told the limit's name (the key's first part) on a 429
        options: dict[str, Any] = {}
        self._pool: ConnectionPool | None = None
        if storage_uri.startswith(("redis://", "rediss://")):
            # redis-py's asyncio client (limits' default would be coredis), short timeouts and
            # no retries: a slow Redis must not hold a login for seconds.
            self._pool = ConnectionPool.from_url(
                storage_uri,
                socket_timeout=timeout_seconds,
                socket_connect_timeout=timeout_seconds,
                retry=Retry(NoBackoff(), 0),
            )
            options = {
                "implementation": "redispy",
                "wrap_exceptions": True,
                "connection_pool": self._pool,
                "key_prefix": key_prefix,
            }
        storage = storage_from_string(f"async+{storage_uri}", **options)
        if not isinstance(storage, Storage):
            raise ValueError(f"not an async rate-limit storage: {storage_uri}")
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self.failures = 0
        """Storage calls that failed and were answered from the in-process fallback."""
        self.retry_after_seconds = retry_after_seconds
        self.log_every_seconds = log_every_seconds
        self._down_until = 0.0
        self._last_log = float("-inf")

    def _limiter(self) -> MovingWindowRateLimiter:
        return self.fallback if time.monotonic() < self._down_until else self.limiter

    def _failed(self, exc: Exception) -> None:
        self.failures += 1
        now = time.monotonic()
        self._down_until = now + self.retry_after_seconds
        if now - self._last_log >= self.log_every_seconds:
            self._last_log = now
            log.warning(
                "rate_limit_storage_unavailable",
                error=repr(exc),
                failures=self.failures,
                fallback="memory",
            )

    async def hit(self, item: RateLimitItem, *key: str, detail: str = "Too many requests") -> None:
        """Counts one request; raises 429 with Retry-After when over the limit."""
        limiter = self._limiter()
        try:
            allowed = await limiter.hit(item, *key)
        except StorageError as exc:
            self._failed(exc)
            limiter = self.fallback
            allowed = await limiter.hit(item, *key)
        if not allowed:
            self.on_limited(key[0] if key else "unnamed")
            raise TooManyRequests(await self._retry_after(limiter, item, *key), detail)

    async def check(
        self, item: RateLimitItem, *key: str, detail: str = "Too many requests"
    ) -> None:
        """Raises 429 if the limit is already used up, without counting."""
        limiter = self._limiter()
        try:
            allowed = await limiter.test(item, *key)
        except StorageError as exc:
            self._failed(exc)
            limiter = self.fallback
            allowed = await limiter.test(item, *key)
        if not allowed:
            self.on_limited(key[0] if key else "unnamed")
            raise TooManyRequests(await self._retry_after(limiter, item, *key), detail)

    async def _retry_after(
        self, limiter: MovingWindowRateLimiter, item: RateLimitItem, *key: str
    ) -> int:
        try:
            stats = await limiter.get_window_stats(item, *key)
        except StorageError as exc:
            self._failed(exc)
            return max(1, item.get_expiry())
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


@lru_cache(maxsize=64)
def _networks(trusted: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in trusted.split(",") if p.strip()
    )


def _is_trusted(address: str, trusted: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(trusted))


def client_address(request: Request, trusted_proxies: str) -> str:
    """The TCP peer, unless the peer is a trusted proxy: then the nearest address in
    X-Forwarded-For that is not itself a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop
    return peer
