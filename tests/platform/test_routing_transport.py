"""`ecart up`'s service-to-service calls: in process for the services it runs, bounded by the
caller's timeout as over a socket, and over real sockets for any other address (a service in
another process, or a proxy in front of one)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from ecart.local import LocalPlatform, RoutingTransport


def slow_app() -> FastAPI:
    app = FastAPI()

    @app.get("/slow")
    async def slow(seconds: float) -> dict[str, float]:
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    return app


async def test_an_in_process_call_is_bounded_by_the_request_timeout() -> None:
    transport = RoutingTransport()
    transport.add("http://127.0.0.1:18011", slow_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:18011") as http:
        assert (await http.get("/slow", params={"seconds": 0}, timeout=1)).json() == {"slept": 0}
        started = asyncio.get_running_loop().time()
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/slow", params={"seconds": 5}, timeout=0.2)
        assert asyncio.get_running_loop().time() - started < 1


async def test_other_addresses_go_over_sockets_or_are_refused_without_a_fallback() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = b'{"over": "a socket"}'
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        routed = RoutingTransport(httpx.AsyncHTTPTransport())
        async with httpx.AsyncClient(transport=routed) as http:
            response = await http.get(f"http://127.0.0.1:{port}/anything")
            assert response.json() == {"over": "a socket"}
        async with httpx.AsyncClient(transport=RoutingTransport()) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{port}/anything")
    finally:
        server.close()
        await server.wait_closed()


def test_ecart_up_routes_its_own_services_in_process_and_others_over_sockets() -> None:
    platform = LocalPlatform(["users", "catalog"], in_process=True, sockets_for_others=True)
    assert isinstance(platform.transport, RoutingTransport)
    assert isinstance(platform.transport.fallback, httpx.AsyncHTTPTransport)
    own = set()
    for name, settings in platform.settings.items():
        url = httpx.URL(settings.url_of(name))
        own.add((url.host, url.port))
    assert set(platform.transport.routes) == own
