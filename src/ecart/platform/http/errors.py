"""Every error is JSON `{"detail": <clear message>}`; no error body carries request data."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Router
from starlette.types import Scope

from ecart.platform.metrics import Metrics
from ecart.platform.transient import DATABASE_BUGS, DATABASE_UNAVAILABLE, ServiceUnavailable

__all__ = ["ServiceUnavailable", "install_error_handlers", "validation_detail"]

log = structlog.get_logger("ecart.http")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _describe(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    where = ".".join(loc) or "request"
    return f"{where}: {error.get('msg', 'invalid value')}"


def validation_detail(errors: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    if any(err.get("type") == "json_invalid" for err in errors):
        return 400, {"detail": "Malformed JSON body"}
    summary = "; ".join(_describe(e) for e in errors[:5])
    fields = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type")}
        for e in errors[:20]
    ]
    return 422, {"detail": f"Invalid request: {summary}", "errors": fields}


def allowed_methods(router: Router, scope: Scope) -> str:
    """Every method some route serves at this path. Starlette's 405 names only the methods of
    the first route whose path matched, while `Allow` must list all of them (RFC 9110)."""
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**scope, "method": method})[0] is Match.FULL for route in router.routes
        )
    )


# The database answered "not now" → 503; its bug classes stay 500s (ecart.platform.transient).


def install_error_handlers(app: FastAPI, metrics: Metrics) -> None:
    db_errors = metrics.counter("ecart_db_errors_total")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed"
        headers = exc.headers
        if exc.status_code == 405:
            allow = allowed_methods(request.app.router, request.scope)
            headers = {**(headers or {}), "Allow": allow or (headers or {}).get("Allow", "")}
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        status, body = validation_detail(list(exc.errors()))
        return JSONResponse(body, status_code=status)

    @app.exception_handler(ServiceUnavailable)
    async def _unavailable(_request: Request, exc: ServiceUnavailable) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=503, headers={"Retry-After": "1"})

    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DATABASE_BUGS):
            return await _unexpected(request, exc)
        db_errors.inc()
        log.error("database_unavailable", error=repr(exc)[:500])
        return JSONResponse(
            {"detail": "The database is unavailable; try again shortly"},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    for error in DATABASE_UNAVAILABLE:
        app.add_exception_handler(error, _database_unavailable)

    app.add_exception_handler(Exception, _unexpected)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", error=repr(exc))
    return JSONResponse({"detail": "Internal server error"}, status_code=500)
