"""Security headers and CORS for every gateway response (pure ASGI middleware).

The Content-Security-Policy is strict (`default-src 'self'`, no inline code, no framing);
a gateway page that needs more (Swagger UI, the built-in page's inline style) sets its own
policy with the hashes of its inline code, and the middleware keeps it. CORS answers only
the origins in the allow-list, echoing the origin (never `*`) with credentials allowed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_STRICT = {
    "default-src": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "img-src": "'self' data:",
}
HSTS = "max-age=31536000; includeSubDomains"
CORS_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
CORS_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-ID"
CORS_EXPOSED = "X-Request-ID, Retry-After, Location"
CORS_MAX_AGE = "600"

_INLINE = {
    tag: re.compile(rf"<{tag}>(.*?)</{tag}>", re.DOTALL | re.IGNORECASE)
    for tag in ("script", "style")
}


def inline_hashes(html: str, tag: str) -> list[str]:
    """CSP sources (`'sha256-…'`) for each inline `<script>` or `<style>` block of `html`."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in _INLINE[tag].findall(html)
    ]


def page_csp(
    *,
    script_src: Iterable[str] = (),
    style_src: Iterable[str] = (),
    img_src: Iterable[str] = (),
) -> str:
    """The strict policy, widened only by the given sources (hashes or exact URLs)."""
    directives = dict(_STRICT)
    for name, extra in (("script-src", script_src), ("style-src", style_src)):
        if extra := list(extra):
            directives[name] = " ".join(["'self'", *extra])
    if extra := list(img_src):
        directives["img-src"] = " ".join([directives["img-src"], *extra])
    return "; ".join(f"{name} {value}" for name, value in directives.items())


STRICT_CSP = page_csp()


class SecurityHeadersMiddleware:
    """Adds the security headers to every response and applies the CORS allow-list."""

    def __init__(
        self, app: ASGIApp, *, allowed_origins: Iterable[str] = (), hsts: bool = False
    ) -> None:
        self.app = app
        self.allowed_origins = frozenset(allowed_origins)
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = ""
        preflight = False
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"access-control-request-method":
                preflight = scope["method"] == "OPTIONS"
        allowed = bool(origin) and origin in self.allowed_origins

        if preflight and origin:
            # Answered here: a preflight never reaches a service.
            await self._preflight(send, origin, allowed)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                self._security(headers)
                for name in {key for key in headers if key.startswith("access-control-")}:
                    del headers[name]  # CORS is the gateway's call, never a service's
                if self.allowed_origins and origin:
                    headers.add_vary_header("Origin")
                if allowed:
                    headers["Access-Control-Allow-Origin"] = origin
                    headers["Access-Control-Allow-Credentials"] = "true"
                    headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _security(self, headers: MutableHeaders) -> None:
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = STRICT_CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if self.hsts:
            headers["Strict-Transport-Security"] = HSTS

    async def _preflight(self, send: Send, origin: str, allowed: bool) -> None:
        message: Message = {"type": "http.response.start", "status": 204, "headers": []}
        headers = MutableHeaders(scope=message)
        self._security(headers)
        if self.allowed_origins:
            headers["Vary"] = "Origin"
        body = b""
        if allowed:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Credentials"] = "true"
            headers["Access-Control-Allow-Methods"] = CORS_METHODS
            headers["Access-Control-Allow-Headers"] = CORS_HEADERS
            headers["Access-Control-Max-Age"] = CORS_MAX_AGE
        else:
            body = json.dumps({"detail": "Origin not allowed"}).encode()
            message["status"] = 403
            headers["Content-Type"] = "application/json"
            headers["Content-Length"] = str(len(body))
        await send(message)
        await send({"type": "http.response.body", "body": body})
