"""Run services in this process: each on its own port (`ecart up`, `ecart serve`), calling
each other through an in-process ASGI transport (and other addresses over sockets), or with
no ports at all (`ecart seed`, the test suite). The composition root: it alone knows every
service."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Protocol

import httpx
import structlog
import uvicorn
from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace.export import SpanExporter

from ecart.platform.http.app import drain
from ecart.platform.runtime import Runtime, create_bus
from ecart.platform.settings import PlatformSettings
from ecart.registry import SERVICES, ProcessSettings

log = structlog.get_logger("ecart.local")


class InstanceSettings(ProcessSettings, Protocol):
    """What serving an instance needs besides: its service's other instances, the delay."""

    @property
    def shutdown_delay_seconds(self) -> float: ...

    def urls_of(self, service: str) -> tuple[str, ...]: ...


class RoutingTransport(httpx.AsyncBaseTransport):
    """Sends each request to the ASGI app that owns its host:port. The app runs without the
    caller's trace context, as over a socket: only the request's headers carry it.

    The request's read timeout bounds the call as it would over a socket. A request for any
    other address goes to `fallback` (real sockets: a service elsewhere, a proxy in front
    of one), or fails as a refused connection when there is none."""

    def __init__(self, fallback: httpx.AsyncBaseTransport | None = None) -> None:
        self.routes: dict[tuple[str, int], httpx.ASGITransport] = {}
        self.fallback = fallback

    def add(self, base_url: str, app: FastAPI) -> None:
        url = httpx.URL(base_url)
        self.routes[(url.host, url.port or 80)] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self.routes.get((request.url.host, request.url.port or 80))
        if target is None:
            if self.fallback is not None:
                return await self.fallback.handle_async_request(request)
            raise httpx.ConnectError(f"no service at {request.url.host}:{request.url.port}")
        timeout = request.extensions.get("timeout", {}).get("read")
        token = otel_context.attach(otel_context.Context())
        try:
            async with asyncio.timeout(timeout):
                return await target.handle_async_request(request)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"no answer within {timeout} s", request=request) from exc
        finally:
            otel_context.detach(token)

    async def aclose(self) -> None:
        if self.fallback is not None:
            await self.fallback.aclose()


class LocalPlatform:
    """Builds the chosen services with one shared runtime (bus, and optionally transport)."""

    def __init__(
        self,
        services: Sequence[str] | None = None,
        *,
        in_process: bool = True,
        sockets_for_others: bool = False,
        overrides: dict[str, dict[str, Any]] | None = None,
        common: dict[str, Any] | None = None,
        span_exporter: SpanExporter | None = None,
    ) -> None:
        names = list(services or SERVICES)
        unknown = set(names) - set(SERVICES)
        if unknown:
            raise ValueError(f"unknown services: {', '.join(sorted(unknown))}")
        fallback = _socket_transport() if in_process and sockets_for_others else None
        self.transport = RoutingTransport(fallback) if in_process else None
        bus = create_bus(PlatformSettings(**(common or {})))
        self.runtime = Runtime(bus=bus, transport=self.transport, span_exporter=span_exporter)
        self.settings: dict[str, InstanceSettings] = {}
        self.apps: dict[str, FastAPI] = {}
        for name in (n for n in SERVICES if n in names):
            spec = SERVICES[name]
            kwargs = {**(common or {}), **(overrides or {}).get(name, {})}
            settings: InstanceSettings = spec.settings(**kwargs)
            self.settings[name] = settings
            self.apps[name] = spec.app_factory()(settings, self.runtime)
            if self.transport is not None:
                for url in _own_urls(settings, name):
                    self.transport.add(url, self.apps[name])

    @asynccontextmanager
    async def running(self) -> AsyncIterator[LocalPlatform]:
        """Runs every app's lifespan in-process (no sockets)."""
        async with AsyncExitStack() as stack:
            await self.runtime.bus.start()
            stack.push_async_callback(self.runtime.bus.stop)
            for app in self.apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            yield self

    def client(self, service: str, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(
            base_url=self.settings[service].url_of(service),
            transport=self.transport,
            headers=headers,
            timeout=30,
        )

    async def serve(self) -> None:
        """Runs every app on its own port until SIGTERM or SIGINT, then stops them all:
        see `GracefulStop`."""
        sockets = {name: _bind(s.host, s.port) for name, s in self.settings.items()}
        servers = [
            _QuietServer(
                uvicorn.Config(
                    app,
                    log_config=None,
                    access_log=False,
                    lifespan="on",
                    timeout_graceful_shutdown=10,
                    # The platform decides whom to believe (ECART_TRUSTED_PROXIES); uvicorn
                    # would otherwise take X-Forwarded-For from any local peer.
                    proxy_headers=False,
                    server_header=False,
                )
            )
            for app in self.apps.values()
        ]
        loop = asyncio.get_running_loop()
        delay = max(settings.shutdown_delay_seconds for settings in self.settings.values())
        stop = GracefulStop(list(self.apps.values()), servers, delay=delay)
        loop.add_signal_handler(signal.SIGTERM, stop.terminate)
        loop.add_signal_handler(signal.SIGINT, stop.interrupt)
        await self.runtime.bus.start()
        try:
            await asyncio.gather(
                *(
                    server.serve(sockets=[sockets[name]])
                    for name, server in zip(self.apps, servers, strict=True)
                )
            )
        finally:
            await self.runtime.bus.stop()
            if self.transport is not None:
                await self.transport.aclose()
            for sock in sockets.values():
                with contextlib.suppress(OSError):
                    sock.close()


class GracefulStop:
    """How the process stops, without failing a request a load balancer sent it.

    `terminate` (SIGTERM: Kubernetes, Docker, a supervisor): every app starts draining —
    `/ready` answers 503, so that the gateway's checks and the readiness probe take this
    process out — while requests are still served for `delay` seconds; then every server
    stops accepting connections and finishes the requests in flight (uvicorn's graceful
    shutdown) before the apps shut down and the process exits.
    `interrupt` (SIGINT: Ctrl-C, a person waiting) and any second signal skip the delay;
    a signal after the servers began to stop cuts the in-flight requests short."""

    def __init__(
        self, apps: Sequence[FastAPI], servers: Sequence[uvicorn.Server], *, delay: float
    ) -> None:
        self.apps = apps
        self.servers = servers
        self.delay = delay
        self.draining = False
        self.stopping = False
        self._timer: asyncio.TimerHandle | None = None

    def terminate(self) -> None:
        if self.draining:
            self.now()
            return
        self._drain()
        if self.delay > 0:
            log.info("draining", delay_seconds=self.delay)
            self._timer = asyncio.get_running_loop().call_later(self.delay, self.now)
        else:
            self.now()

    def interrupt(self) -> None:
        self._drain()
        self.now()

    def now(self) -> None:
        """Stop accepting and finish what is in flight (a second time: don't wait for it)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.stopping:
            log.warning("stopping_now", reason="signal received while stopping")
        for server in self.servers:
            if self.stopping:
                server.force_exit = True
            server.should_exit = True
        self.stopping = True

    def _drain(self) -> None:
        if not self.draining:
            self.draining = True
            for app in self.apps:
                drain(app)


def _own_urls(settings: InstanceSettings, name: str) -> tuple[str, ...]:
    """The URLs of `name` that reach this process's instance of it, for in-process calls:
    its URL, or when it has several, those naming its own host and port (the others are
    other instances: they are called over sockets)."""
    urls = settings.urls_of(name)
    if len(urls) == 1:
        return urls
    own = (settings.host, settings.port)
    return tuple(url for url in urls if (httpx.URL(url).host, httpx.URL(url).port) == own)


def _socket_transport() -> httpx.AsyncHTTPTransport:
    return httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50)
    )


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the supervisor."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class PortInUse(RuntimeError):
    pass


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto
    # says TCP, and with Nagle on, a reused connection waits ~40 ms for a delayed ACK between
    # uvicorn's header and body writes (bench/README.md).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    sock.setblocking(False)
    return sock
