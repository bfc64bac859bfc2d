"""The in-process response cache: what it replays, what it never keeps, and when it forgets.

A small Starlette app counts how often its routes really run; the middleware sits in front
of it as in every service that names cacheable routes (catalog's reads are covered end to
end in tests/catalog/test_response_cache.py, and with Redis in tests/integration)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecart.platform.cache import Cache
from ecart.platform.http.response_cache import ResponseCache, ResponseCacheMiddleware


class Counting:
    def __init__(self) -> None:
        self.runs = 0
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def item(self, request: Request) -> Response:
        self.runs += 1
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        item_id = request.path_params["item_id"]
        if item_id == "404":
            return JSONResponse({"detail": "Not found"}, status_code=404)
        return JSONResponse({"id": item_id, "run": self.runs, "q": request.url.query})

    async def private(self, request: Request) -> Response:
        self.runs += 1
        return JSONResponse({"run": self.runs})


def client_for(counting: Counting, cache: ResponseCache) -> httpx.AsyncClient:
    app = Starlette(
        routes=[
            Route("/items/{item_id}", counting.item, methods=["GET", "POST"]),
            Route("/private", counting.private),
        ]
    )
    app.add_middleware(ResponseCacheMiddleware, cache=cache, routes=["/items/{item_id}"])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_a_repeated_read_is_replayed_without_running_the_route() -> None:
    counting, cache = Counting(), ResponseCache()
    async with client_for(counting, cache) as client:
        first = await client.get("/items/7?x=1")
        second = await client.get("/items/7?x=1")
        other_query = await client.get("/items/7?x=2")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["content-length"] == first.headers["content-length"]
    assert other_query.json()["run"] == 2  # another query string is another answer
    assert counting.runs == 2
    assert (cache.hits, cache.misses) == (1, 2)


async def test_errors_other_methods_and_unnamed_routes_are_never_replayed() -> None:
    counting, cache = Counting(), ResponseCache()
    async with client_for(counting, cache) as client:
        for _ in range(2):
            assert (await client.get("/items/404")).status_code == 404
            assert (await client.post("/items/8")).status_code == 200
            assert (await client.get("/private")).status_code == 200
    assert counting.runs == 6
    assert cache.hits == 0


async def test_invalidate_forgets_every_answer() -> None:
    counting, cache = Counting(), ResponseCache()
    async with client_for(counting, cache) as client:
        assert (await client.get("/items/1")).json()["run"] == 1
        cache.invalidate()
        assert (await client.get("/items/1")).json()["run"] == 2
        assert (await client.get("/items/1")).json()["run"] == 2


async def test_an_answer_built_across_an_invalidation_is_not_kept() -> None:
    """The route read its data before a change committed: that answer is served to its own
    caller, but never replayed to the next one."""
    counting, cache = Counting(), ResponseCache()
    counting.gate = asyncio.Event()
    async with client_for(counting, cache) as client:
        slow = asyncio.create_task(client.get("/items/1"))
        await counting.entered.wait()
        cache.invalidate()  # a change commits while the answer is being built
        counting.gate.set()
        assert (await slow).json()["run"] == 1
        assert (await client.get("/items/1")).json()["run"] == 2
        assert (await client.get("/items/1")).json()["run"] == 2


async def test_the_least_recently_used_answer_goes_first() -> None:
    counting, cache = Counting(), ResponseCache(max_entries=2)
    async with client_for(counting, cache) as client:
        for path in ("/items/1", "/items/2", "/items/1", "/items/3"):
            await client.get(path)
        assert counting.runs == 3
        await client.get("/items/1")  # kept: used just before /items/3 came
        assert counting.runs == 3
        await client.get("/items/2")  # dropped for /items/3
        assert counting.runs == 4


async def test_large_answers_and_a_zero_size_cache_are_not_kept() -> None:
    counting = Counting()
    for cache in (ResponseCache(max_body_bytes=10), ResponseCache(max_entries=0)):
        async with client_for(counting, cache) as client:
            before = counting.runs
            await client.get("/items/1")
            await client.get("/items/1")
            assert counting.runs == before + 2
            assert cache.hits == 0


async def test_with_redis_configured_but_failing_nothing_is_replayed() -> None:
    """No shared version, no way to hear of other replicas' changes: uncached, as the row
    cache does (a refused port answers at once)."""
    counting, cache = Counting(), ResponseCache()
    cache.shared = Cache("redis://127.0.0.1:1/0", retry_after_seconds=60)
    async with client_for(counting, cache) as client:
        for _ in range(3):
            assert (await client.get("/items/1")).status_code == 200
    assert counting.runs == 3
    assert cache.shared.failures >= 1
    await cache.shared.close()


@pytest.mark.parametrize("path", ["/items/1", "/items/1?a=%20b&c"])
async def test_the_key_is_the_exact_path_and_query(path: str) -> None:
    counting, cache = Counting(), ResponseCache()
    async with client_for(counting, cache) as client:
        await client.get(path)
        assert (await client.get(path)).json()["run"] == 1
        assert (await client.get(path + "&z=1" if "?" in path else path + "?z=1")).json()[
            "run"
        ] == 2
