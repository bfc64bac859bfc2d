"""Wiring of the gateway: the local edge on port 8000. It owns no data: it serves the web UI
and forwards `/api/<service>/…` to the services, adding security headers and CORS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from ecart.gateway import proxy
from ecart.gateway.config import GatewaySettings
from ecart.gateway.docs import install_docs
from ecart.gateway.headers import SecurityHeadersMiddleware
from ecart.gateway.proxy import PROXIED_SERVICES, Proxy, get_proxy
from ecart.gateway.ui import ui_router
from ecart.platform.http.app import base_app, draining
from ecart.platform.logs import configure_logging
from ecart.platform.runtime import Runtime

log = structlog.get_logger("ecart.gateway")


def create_app(settings: GatewaySettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    runtime = runtime or Runtime()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_format)
        timeout = settings.proxy_timeout_seconds
        async with httpx.AsyncClient(
            transport=runtime.client_transport(),  # in-process: to each URL's ASGI app
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(
                max_connections=500, max_keepalive_connections=100, keepalive_expiry=30
            ),
            follow_redirects=False,
            trust_env=False,  # never send the services' traffic through an HTTP(S)_PROXY
        ) as http:
            app.state.tracing.instrument_http(http)
            app.state.proxy = Proxy(settings, http)
            app.state.proxy.start()
            log.info(
                "service_started",
                service="gateway",
                port=settings.port,
                web_ui=str(settings.web_dir) if settings.web_dir else "built-in page",
            )
            try:
                yield
            finally:
                await app.state.proxy.close()

    app = base_app(
        name="gateway",
        settings=settings,
        lifespan=lifespan,
        description="The local edge: serves the web UI and forwards `/api/<service>/…` "
        "to each service.",
        runtime=runtime,
    )
    app.add_middleware(
        SecurityHeadersMiddleware, allowed_origins=settings.allowed_origins, hsts=settings.hsts
    )
    app.include_router(_ready_probe())
    install_docs(app)  # before the proxy: it serves /api/<service>/docs itself
    app.include_router(proxy.router)
    app.include_router(ui_router(settings))  # last: it catches every other GET
    return app


def _ready_probe() -> APIRouter:
    router = APIRouter(tags=["probes"])

    @router.get(
        "/ready",
        summary="Readiness: every service answers /health and the gateway is not stopping",
        response_model=None,
    )
    async def ready(
        gateway: Annotated[Proxy, Depends(get_proxy)], request: Request
    ) -> dict[str, Any] | JSONResponse:
        if (stopping := draining(request, "gateway")) is not None:
            return stopping
        results = await asyncio.gather(*(gateway.health(name) for name in PROXIED_SERVICES))
        checks = dict(zip(PROXIED_SERVICES, results, strict=True))
        if all(result == "ok" for result in results):
            return {"status": "ready", "service": "gateway", "checks": checks}
        log.warning("not_ready", checks=checks)
        body = {"status": "unavailable", "service": "gateway", "checks": checks}
        return JSONResponse(body, status_code=503)

    return router
