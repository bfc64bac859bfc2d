"""Redis against a real server (`ECART_TEST_REDIS=redis://127.0.0.1:46379/0`): catalog reads
served from the cache, invalidated by writes and by `stock_changed` within 1 s, the shop
still serving when Redis hangs or is gone, and abuse limits counted in Redis.

Without `ECART_TEST_REDIS` the module is skipped, except in CI (`CI` set), where it fails.
The tests write only keys of their own (a fresh cache prefix per shop, fresh accounts)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import update

from ecart.catalog.store import products
from ecart.platform.cache import Cache
from ecart.platform.http.response_cache import ResponseCache
from ecart.platform.ratelimit import RateLimits, rate_limit
from tests.catalog.helpers import create_product
from tests.conftest import PASSWORD, Shop, _start_shop, unique_email
from tests.platform.test_cache import closed_port_url
from tests.platform.test_response_cache import Counting, client_for

pytestmark = pytest.mark.redis

SERVICES = ["users", "inventory", "catalog"]


@pytest.fixture(scope="module")
def redis_url() -> str:
    url = os.environ.get("ECART_TEST_REDIS", "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but ECART_TEST_REDIS is not: the Redis tests need a server")
        pytest.skip("set ECART_TEST_REDIS=redis://host:port/db of a Redis to run the Redis tests")
    return url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, socket_timeout=5)
    try:
        await client.ping()
    except Exception as exc:
        pytest.fail(f"ECART_TEST_REDIS={redis_url} does not answer: {exc!r}")
    yield client
    await client.aclose()


async def _shop(tmp_path: Path, **overrides: dict[str, Any]) -> AsyncIterator[Shop]:
    # Each test shop has a namespace of its own (ECART_NAMESPACE): its keys are its own.
    async for shop in _start_shop(tmp_path / "shop", services=SERVICES, overrides=overrides):
        yield shop


@pytest.fixture(params=["rows", "rows+responses"])
async def cached_shop(
    request: pytest.FixtureRequest, redis: Redis, redis_url: str, tmp_path: Path
) -> AsyncIterator[Shop]:
    """The catalog on Redis: its row cache alone, and with the in-process response cache in
    front of it (the default), which must be just as fresh."""
    entries = 4096 if request.param == "rows+responses" else 0
    catalog = {"redis_url": redis_url, "response_cache_entries": entries}
    async for shop in _shop(tmp_path, catalog=catalog):
        yield shop


def cache(shop: Shop) -> Cache:
    found: Cache = shop.platform.apps["catalog"].state.ctx.cache
    return found


def served_from_cache(shop: Shop) -> int:
    """Reads answered by the Redis row cache or replayed by the response cache."""
    ctx = shop.platform.apps["catalog"].state.ctx
    return int(ctx.cache.hits + ctx.responses.hits)


async def settled(shop: Shop) -> None:
    """Waits until the catalog's cache version has stopped moving: the stock_changed event
    of a product just created arrives a moment after the answer, and bumps it."""
    version = await cache(shop).version("catalog")
    for _ in range(20):
        await asyncio.sleep(0.3)
        now = await cache(shop).version("catalog")
        if now == version:
            return
        version = now
    raise AssertionError("the catalog cache version keeps changing")


async def rename_behind_the_cache(shop: Shop, product_id: int, name: str) -> None:
    """Changes the row in catalog's database without telling anyone."""
    async with shop.platform.apps["catalog"].state.ctx.db.write() as conn:
        await conn.execute(update(products).where(products.c.id == product_id).values(name=name))


async def read(shop: Shop, path: str) -> Any:
    response = await shop.call("catalog", "GET", path)
    assert response.status_code == 200, response.text
    return response.json()


async def becomes(shop: Shop, path: str, check: Any, within: float = 1.0) -> float:
    """Polls `path` until `check(body)`; returns how long it took (fails after `within`)."""
    start = time.monotonic()
    while True:
        if check(await read(shop, path)):
            return time.monotonic() - start
        if time.monotonic() - start > within:
            raise AssertionError(f"{path} did not change within {within} s")
        await asyncio.sleep(0.02)


async def test_product_page_list_and_categories_come_from_the_cache(cached_shop: Shop) -> None:
    shop = cached_shop
    product = await create_product(shop, name="Cached lamp", category="Lamps", stock=3)
    await settled(shop)
    pid = product["id"]
    page, listing = f"/products/{pid}", "/products?q=cached&category=lamps"
    assert (await read(shop, page))["name"] == "Cached lamp"
    assert [p["name"] for p in await read(shop, listing)] == ["Cached lamp"]
    assert await read(shop, "/categories") == [{"name": "Lamps", "product_count": 1}]
    hits = served_from_cache(shop)

    await rename_behind_the_cache(shop, pid, "Renamed lamp")
    await shop.call("catalog", "GET", "/products?q=CACHED&category=Lamps ")  # same answer, key
    assert (await read(shop, page))["name"] == "Cached lamp"
    assert [p["name"] for p in await read(shop, listing)] == ["Cached lamp"]
    assert (await read(shop, "/categories"))[0]["product_count"] == 1
    assert served_from_cache(shop) >= hits + 4
    assert (await read(shop, page))["created_at"] == product["created_at"]

    # A write (here: another product) invalidates every cached answer once it has committed.
    await create_product(shop, name="Second lamp", category="Lamps")
    assert (await read(shop, page))["name"] == "Renamed lamp"
    assert [p["name"] for p in await read(shop, "/products?q=lamp")] == [
        "Renamed lamp",
        "Second lamp",
    ]
    assert await read(shop, "/categories") == [{"name": "Lamps", "product_count": 2}]
    assert cache(shop).failures == 0


async def test_price_change_shows_within_a_second(cached_shop: Shop) -> None:
    shop = cached_shop
    product = await create_product(shop, price=10, stock=5, category="Clocks")
    pid = product["id"]
    for path in (f"/products/{pid}", "/products?category=clocks"):
        await read(shop, path)  # cached now
    response = await shop.call(
        "catalog", "PUT", f"/products/{pid}", shop.admin_token, json={"price": 12.5}
    )
    assert response.status_code == 200, response.text
    took = await becomes(shop, f"/products/{pid}", lambda body: body["price"] == 12.5)
    took = max(
        took, await becomes(shop, "/products?category=clocks", lambda b: b[0]["price"] == 12.5)
    )
    assert took < 1.0
    response = await shop.call("catalog", "DELETE", f"/products/{pid}", shop.admin_token)
    assert response.status_code == 200
    missing = await shop.call("catalog", "GET", f"/products/{pid}")
    assert missing.status_code == 404
    assert await read(shop, "/products?category=clocks") == []


async def test_stock_change_from_inventory_shows_within_a_second(cached_shop: Shop) -> None:
    shop = cached_shop
    product = await create_product(shop, stock=5, category="Chairs")
    await settled(shop)
    pid = product["id"]
    page, listing = f"/products/{pid}", "/products?category=chairs"
    await read(shop, page)
    await read(shop, listing)
    await rename_behind_the_cache(shop, pid, "Renamed chair")
    assert (await read(shop, page))["name"] == product["name"]  # still the cached answer

    response = await shop.call(
        "inventory", "PUT", f"/stock/{pid}", shop.admin_token, json={"available": 42}
    )
    assert response.status_code == 200
    took = await becomes(shop, page, lambda body: body["stock"] == 42)
    # The stock_changed event bumped the cache version: the whole answer is fresh.
    assert (await read(shop, page))["name"] == "Renamed chair"
    took = max(took, await becomes(shop, listing, lambda body: body[0]["stock"] == 42))
    assert took < 1.0


async def test_a_hanging_redis_degrades_to_uncached(cached_shop: Shop, redis: Redis) -> None:
    """CLIENT PAUSE stalls every other client of the server: the catalog's calls time out
    (0.2 s), it answers from the database, and a change made meanwhile is not hidden by
    answers cached before it."""
    shop = cached_shop
    product = await create_product(shop, price=20, category="Desks")
    page = f"/products/{product['id']}"
    await read(shop, page)
    failures = cache(shop).failures
    await redis.client_pause(1500, all=True)
    try:
        started = time.monotonic()
        assert (await read(shop, page))["price"] == 20
        assert (await read(shop, "/categories"))[0]["name"] == "Desks"
        response = await shop.call(
            "catalog", "PUT", page, shop.admin_token, json={"price": 21}
        )  # its invalidation fails: it is retried before the cache is read again
        assert response.status_code == 200
        assert (await read(shop, page))["price"] == 21
        assert time.monotonic() - started < 1.2
        assert cache(shop).failures > failures
    finally:
        await redis.client_unpause()
    await asyncio.sleep(cache(shop).retry_after_seconds + 0.05)
    assert (await read(shop, page))["price"] == 21
    hits = served_from_cache(shop)
    assert (await read(shop, page))["price"] == 21
    assert served_from_cache(shop) == hits + 1, "the cache is used again once Redis answers"


async def test_no_redis_at_all_the_shop_still_serves(redis_url: str, tmp_path: Path) -> None:
    gone = closed_port_url()
    async for shop in _shop(
        tmp_path, catalog={"redis_url": gone}, users={"rate_limit_storage": gone}
    ):
        product = await create_product(shop, category="Rugs", stock=2)
        for path in (f"/products/{product['id']}", "/products", "/categories"):
            for _ in range(2):
                response = await shop.call("catalog", "GET", path)
                assert response.status_code == 200, response.text
        assert cache(shop).failures > 0
        assert served_from_cache(shop) == 0
        _, token = await shop.new_customer()  # registration and login pass their limits
        assert token
        limits = shop.platform.apps["users"].state.ctx.rate_limits
        assert limits.failures > 0


async def test_failed_logins_are_counted_in_redis(redis: Redis, redis_url: str, tmp_path: Path):
    async for shop in _shop(tmp_path, users={"rate_limit_storage": redis_url}):
        email = unique_email()
        await shop.new_customer(email)
        for _ in range(3):
            response = await shop.call(
                "users",
                "POST",
                "/auth/token",
                data={"username": email, "password": "not-" + PASSWORD},
            )
            assert response.status_code == 401
        prefix = shop.platform.apps["users"].state.ctx.rate_limits.key_prefix
        assert await redis.keys(f"{prefix}:*login-failed/{email}*")
        # Another instance sharing the Redis sees the same count, and the same lock-out.
        other = RateLimits(redis_url, key_prefix=prefix)
        item = rate_limit("10/15 minutes")
        stats = await other.limiter.get_window_stats(item, "login-failed", email)
        assert stats.remaining == 7
        for _ in range(7):
            await other.hit(item, "login-failed", email)
        response = await shop.call(
            "users", "POST", "/auth/token", data={"username": email, "password": PASSWORD}
        )
        assert response.status_code == 429
        assert shop.platform.apps["users"].state.ctx.rate_limits.failures == 0
        await other.close()


async def test_another_replicas_change_ends_replays_within_the_check_interval(
    redis: Redis, redis_url: str
) -> None:
    """Two catalog replicas share one Redis: a change committed by the other one bumps the
    shared version, and this replica stops replaying its answers within `check_seconds`."""
    prefix = f"replicas-{uuid.uuid4().hex[:8]}"
    here, there = Cache(redis_url, prefix=prefix), Cache(redis_url, prefix=prefix)
    counting, responses = Counting(), ResponseCache(check_seconds=0.2, namespace="catalog")
    responses.shared = here
    try:
        async with client_for(counting, responses) as client:
            assert (await client.get("/items/1")).json()["run"] == 1
            assert (await client.get("/items/1")).json()["run"] == 1  # replayed
            assert await there.invalidate("catalog")  # the other replica's change
            changed = time.monotonic()
            while (await client.get("/items/1")).json()["run"] == 1:
                assert time.monotonic() - changed < 0.2 + 0.1, "replayed past check_seconds"
                await asyncio.sleep(0.01)
            assert (await client.get("/items/1")).json()["run"] == 2  # and replayed again
    finally:
        await redis.delete(f"{prefix}:catalog:version")
        await here.close()
        await there.close()
