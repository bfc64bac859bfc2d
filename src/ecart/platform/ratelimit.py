"""Abuse limits (the `limits` library): memory storage on the embedded default, Redis when
configured. Keys are the client address (see `client_address`) or an account."""

from __future__ import annotations

import ipaddress
import math
import time
from functools import lru_cache

from fastapi import HTTPException, Request
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


def rate_limit(text: str) -> RateLimitItem:
    """Parses "20/minute", "10 per 15 minutes"; raises ValueError with the text if invalid."""
    return parse(text)


class TooManyRequests(HTTPException):
    def __init__(self, retry_after: int, detail: str) -> None:
        super().__init__(429, detail, headers={"Retry-After": str(retry_after)})


class RateLimits:
    def __init__(self, storage_uri: str = "memory://") -> None:
        storage = storage_from_string(f"async+{storage_uri}")
        if not isinstance(storage, Storage):
            raise ValueError(f"not an async rate-limit storage: {storage_uri}")
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(self.storage)

    async def hit(self, item: RateLimitItem, *key: str, detail: str = "Too many requests") -> None:
        """Counts one request; raises 429 with Retry-After when over the limit."""
        if not await self.limiter.hit(item, *key):
            raise TooManyRequests(await self._retry_after(item, *key), detail)

    async def check(
        self, item: RateLimitItem, *key: str, detail: str = "Too many requests"
    ) -> None:
        """Raises 429 if the limit is already used up, without counting."""
        if not await self.limiter.test(item, *key):
            raise TooManyRequests(await self._retry_after(item, *key), detail)

    async def _retry_after(self, item: RateLimitItem, *key: str) -> int:
        stats = await self.limiter.get_window_stats(item, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))


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
