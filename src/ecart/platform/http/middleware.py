"""Pure ASGI middleware: request ids, access log, RED metrics, request body size limit."""

from __future__ import annotations

import json
import re
import time
import uuid

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecart.platform.logs import request_id_var, user_id_var
from ecart.platform.metrics import Metrics

log = structlog.get_logger("ecart.access")
REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Takes a sane inbound X-Request-ID or makes one, echoes it, logs one line per request
    and counts it (by route template, never by raw path: ids would explode the series)."""

    def __init__(self, app: ASGIApp, service: str, metrics: Metrics) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics
        self.in_progress = metrics.gauge("ecart_http_requests_in_progress")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inbound = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                inbound = value.decode("latin-1")
                break
        rid = inbound if _SAFE_ID.match(inbound) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        user_token = user_id_var.set("")  # set by authentication, for this request only
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        self.in_progress.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.in_progress.dec()
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.counter("ecart_http_requests_total", method, template, str(status)).inc()
            self.metrics.histogram("ecart_http_request_duration_seconds", method, template).observe(
                elapsed
            )
            log.info(
                "request",
                service=self.service,
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            request_id_var.reset(token)
            user_id_var.reset(user_token)


class BodySizeLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reject(send, 400, "Invalid Content-Length header")
                    return
                if declared > self.max_bytes:
                    await _reject(send, 413, self._too_large())
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self._too_large())
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _reject(send, 413, self._too_large())

    def _too_large(self) -> str:
        return f"Request body too large (limit {self.max_bytes} bytes)"


class _BodyTooLarge(HTTPException):
    """An HTTPException, so the route's body parser passes it on as a 413."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


async def _reject(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
