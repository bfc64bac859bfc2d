"""Real service instances on free loopback ports, for what is about sockets: refused
connections, connections dropped after the request went out, instances going away."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn

from ecart.gateway.app import create_app
from ecart.gateway.config import GatewaySettings
from ecart.platform.runtime import Runtime
from tests.conftest import eventually as polled

GATEWAY = "http://127.0.0.1:8000"


class Instance:
    """A service instance that answers `/ready` 200 (or 503 once `ready` is False) and
    every other request with its name, the method, the path and the body it received."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ready = True
        self.received: list[tuple[str, str, bytes]] = []
        self.url = ""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] == "/ready":
            status, answer = (200, {"status": "ready"}) if self.ready else (503, {})
        else:
            self.received.append((scope["method"], scope["path"], body))
            status = 200
            answer = {"instance": self.name, "path": scope["path"], "body": body.decode()}
        content = json.dumps(answer).encode()
        length = str(len(content)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", length)]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the test runner keeps its signals
        yield


@asynccontextmanager
async def serving(instance: Instance) -> AsyncIterator[Instance]:
    """Runs `instance` under uvicorn on a free port until the block ends."""
    sock = listening_socket()
    instance.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(instance, log_config=None, access_log=False, lifespan="off")
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await eventually(lambda: server.started)
        yield instance
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def dropping() -> AsyncIterator[tuple[str, list[bytes]]]:
    """An instance that reads each request's head and closes the connection unanswered:
    the request went out, no response came back. Yields its URL and the heads it read."""
    heads: list[bytes] = []

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            heads.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", heads
    finally:
        server.close()
        await server.wait_closed()


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    return sock


def closed_url() -> str:
    """A loopback URL nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def gateway_over_sockets(
    catalog_urls: list[str], **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """A running gateway whose catalog is `catalog_urls`, reached over real sockets; yields
    a client to the gateway and its proxy (to look at the instances)."""
    settings.setdefault("web_dir", None)
    app = create_app(
        GatewaySettings(catalog_url=",".join(catalog_urls), **settings), Runtime(transport=None)
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=GATEWAY, timeout=30
        ) as client,
    ):
        yield client, app.state.proxy


async def eventually(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Waits until `condition()` is true (the background checks run on their own)."""

    async def check() -> bool:
        return condition()

    await polled(check, within)
