"""Swagger UI served by the gateway: its own API and each service's (`/api/<service>/docs`,
whose "Try it out" goes through the gateway), under a policy that allows exactly Swagger's
CDN files and its one inline script (by hash) rather than relaxing the strict policy."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from starlette.routing import Route

from ecart.gateway.headers import inline_hashes, page_csp
from ecart.gateway.proxy import PROXIED_SERVICES, Proxy, get_proxy, unknown_service

SWAGGER_CDN = "https://cdn.jsdelivr.net"
FASTAPI_FAVICON = "https://fastapi.tiangolo.com"
_DEFAULT_DOCS = {"/docs", "/docs/oauth2-redirect", "/redoc"}


@cache
def _swagger(openapi_url: str, title: str) -> tuple[str, str]:
    html = bytes(get_swagger_ui_html(openapi_url=openapi_url, title=title).body).decode()
    csp = page_csp(
        script_src=[SWAGGER_CDN, *inline_hashes(html, "script")],
        style_src=[SWAGGER_CDN, "'unsafe-inline'"],  # Swagger UI sets element styles
        img_src=[FASTAPI_FAVICON],
    )
    return html, csp


def swagger_page(openapi_url: str, title: str) -> HTMLResponse:
    html, csp = _swagger(openapi_url, title)
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


def install_docs(app: FastAPI) -> None:
    """Replaces FastAPI's docs pages (inline script, no policy) with the gateway's; include
    it before the proxy's routes, which would otherwise take `/api/<service>/docs`."""
    app.router.routes[:] = [
        route
        for route in app.router.routes
        if not (isinstance(route, Route) and route.path in _DEFAULT_DOCS)
    ]
    app.include_router(_router(app.title, app.openapi_url or "/openapi.json"))


def _router(title: str, openapi_url: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def gateway_docs() -> HTMLResponse:
        return swagger_page(openapi_url, title)

    @router.get("/api/{service}/docs", response_model=None)
    async def service_docs(service: str) -> Response:
        if service not in PROXIED_SERVICES:
            return unknown_service(service)
        return swagger_page(f"/api/{service}/openapi.json", f"ecart {service}")

    @router.get("/api/{service}/openapi.json", response_model=None)
    async def service_openapi(
        service: str, proxy: Annotated[Proxy, Depends(get_proxy)]
    ) -> Response:
        return await proxy.openapi(service)

    return router
