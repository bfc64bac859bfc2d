"""A gateway in front of a fake upstream (an httpx transport), for what the real services
cannot be made to do: hang, drop the connection, send odd headers, stream megabytes."""

from __future__ import annotations

import json as json_module
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from ecart.gateway.app import create_app
from ecart.gateway.config import GatewaySettings
from ecart.platform.runtime import Runtime

GATEWAY = "http://127.0.0.1:8000"
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


class FakeUpstream:
    """Answers every service URL with `handler` and records what it was sent."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler = handler or _ok
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []
        self.transport = httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(await request.aread())
        self.requests.append(request)
        return await self.handler(request)


def answer(
    status: int,
    *,
    json: Any = None,
    content: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
) -> httpx.Response:
    """A response that is still a stream, as one read off the network is (a plain
    `httpx.Response(content=...)` arrives already read and decoded)."""
    headers = list(headers or [])
    if json is not None:
        content = json_module.dumps(json).encode()
        headers.append(("content-type", "application/json"))
    if not any(name.lower() == "content-length" for name, _ in headers):
        headers.append(("content-length", str(len(content))))
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))


async def _ok(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/health":
        return answer(200, json={"status": "healthy"})
    return answer(200, json={"path": request.url.path})


@asynccontextmanager
async def gateway_client(
    upstream: FakeUpstream | None = None, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A running gateway (its lifespan included) and a client to it."""
    settings.setdefault("web_dir", None)
    app = create_app(
        GatewaySettings(**settings), Runtime(transport=(upstream or FakeUpstream()).transport)
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=GATEWAY, timeout=30
        ) as client,
    ):
        yield client


def assert_security_headers(response: httpx.Response, *, hsts: bool = False) -> None:
    csp = response.headers["content-security-policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp, csp
    assert "'unsafe-eval'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert ("strict-transport-security" in response.headers) is hsts
