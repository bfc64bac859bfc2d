"""A gateway in front of a fake upstream (an httpx transport), for what the real services
cannot be made to do: hang, drop the connection, send odd headers, stream megabytes."""

from __future__ import annotations

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


async def _ok(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/health":
        return httpx.Response(200, json={"status": "healthy"})
    return httpx.Response(200, json={"path": request.url.path})


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
