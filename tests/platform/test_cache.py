"""The cache and the rate limits without a Redis: a pass-through when none is configured, and
when the configured one cannot be reached, the caller's answer comes from the database (or
in-process counters) and the failure is counted, never raised."""

from __future__ import annotations

import socket
import time

import pytest
from structlog.testing import capture_logs

from ecart.platform.cache import Cache
from ecart.platform.ratelimit import RateLimits, TooManyRequests, rate_limit


def closed_port_url() -> str:
    """A redis:// URL nothing listens on (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


class Loader:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> dict[str, int]:
        self.calls += 1
        return {"answer": self.calls}


async def test_without_a_url_the_cache_is_a_pass_through() -> None:
    cache = Cache("")
    load = Loader()
    assert not cache.enabled
    for expected in (1, 2):
        value = await cache.read_through("ns", "k", load, lambda v: v, lambda v: v)
        assert value == {"answer": expected}
    assert await cache.invalidate("ns")
    assert await cache.get("ns:1:k") is None
    await cache.set("ns:1:k", {"x": 1})
    assert await cache.delete("ns:1:k")
    assert (cache.failures, cache.hits) == (0, 0)
    await cache.close()


async def test_an_unreachable_redis_falls_back_to_the_loader_and_is_counted() -> None:
    cache = Cache(closed_port_url(), retry_after_seconds=0)
    load = Loader()
    with capture_logs() as logs:
        for expected in (1, 2, 3):
            value = await cache.read_through("ns", "k", load, lambda v: v, lambda v: v)
            assert value == {"answer": expected}
        assert not await cache.invalidate("ns")
        assert await cache.get("ns:1:k") is None
        await cache.set("ns:1:k", {"x": 1})
        assert not await cache.delete("ns:1:k")
    assert cache.failures >= 5
    warnings = [entry for entry in logs if entry["event"] == "cache_unavailable"]
    assert len(warnings) == 1, "failures are logged at most once per interval, not per call"
    await cache.close()


async def test_after_a_failure_reads_skip_redis_for_a_moment() -> None:
    cache = Cache(closed_port_url(), retry_after_seconds=60)
    load = Loader()
    await cache.read_through("ns", "k", load, lambda v: v, lambda v: v)
    failures = cache.failures
    started = time.monotonic()
    for _ in range(20):
        await cache.read_through("ns", "k", load, lambda v: v, lambda v: v)
    assert cache.failures == failures, "no Redis call while it is known to be down"
    assert time.monotonic() - started < 0.5
    assert load.calls == 21
    await cache.close()


async def test_a_failed_invalidation_is_retried_before_the_cache_is_read_again() -> None:
    cache = Cache(closed_port_url(), retry_after_seconds=0)
    assert not await cache.invalidate("catalog")
    assert await cache.version("catalog") is None  # the retried bump fails: do not trust it
    assert cache.failures == 2
    await cache.close()


async def test_rate_limits_fall_back_to_memory_when_redis_is_down() -> None:
    limits = RateLimits(closed_port_url())
    item = rate_limit("2/minute")
    with capture_logs() as logs:
        await limits.hit(item, "login-failed", "someone")
        await limits.hit(item, "login-failed", "someone")
        with pytest.raises(TooManyRequests) as caught:
            await limits.hit(item, "login-failed", "someone")
        with pytest.raises(TooManyRequests):
            await limits.check(item, "login-failed", "someone")
    assert caught.value.status_code == 429
    assert limits.failures >= 1
    assert [e["event"] for e in logs].count("rate_limit_storage_unavailable") == 1
    await limits.close()
