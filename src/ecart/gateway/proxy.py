"""The reverse proxy: `/api/<service>/<path>` → `<service URL>/<path>`, streamed both ways
over one pooled HTTP client, with the gateway's request id and `X-Forwarded-*` headers.
A service with several URLs gets its requests round-robin (`ecart.platform.http.instances`)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

import httpx
import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from ecart.gateway.config import GatewaySettings
from ecart.platform.http.instances import Instances
from ecart.platform.logs import request_id_var

log = structlog.get_logger("ecart.gateway")

PROXIED_SERVICES = ("users", "catalog", "cart", "order", "payment", "inventory", "notifications")
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# RFC 9110 §7.6.1 connection-specific fields, plus what this hop sets itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authenticate",
        "proxy-authorization",
        "host",
        "expect",
    }
)
# Set by this hop: the request id (the gateway's own), the forwarding headers.
_REQUEST_REPLACED = frozenset(
    {"x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}
)
# Added again by the gateway's own server and middleware: never twice.
_RESPONSE_REPLACED = frozenset({"x-request-id", "date", "server"})
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


class Proxy:
    """Forwards requests to the services over one pooled client."""

    def __init__(self, settings: GatewaySettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self._trusted = _networks(settings.trusted_proxies)
        self.instances = {
            name: Instances(
                name, settings.urls_of(name), http, check_seconds=settings.instance_check_seconds
            )
            for name in PROXIED_SERVICES
        }

    def start(self) -> None:
        """Starts checking the instances of every service that has several."""
        for instances in self.instances.values():
            instances.start()

    async def close(self) -> None:
        for instances in self.instances.values():
            await instances.close()

    async def forward(self, request: Request, service: str, path: str) -> Response:
        if service not in PROXIED_SERVICES:
            return unknown_service(service)
        if path.strip("/") == "metrics":  # for Prometheus on the service's own port only
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        headers = self._request_headers(request)
        content: AsyncIterator[bytes] | bytes | None = None
        if "content-length" in request.headers:
            # Within the limit (the body-size middleware checked the header): streamed.
            content = request.stream()
        elif "transfer-encoding" in request.headers:
            # No declared length: read it first, so a body over the limit is a 413 here
            # and never half-sent to the service (at most `max_body_bytes` in memory).
            content = await request.body()
            headers.append((b"content-length", str(len(content)).encode()))

        def build(base: str) -> httpx.Request:
            url = self._url(request, base, service, path)
            return self.http.build_request(request.method, url, headers=headers, content=content)

        try:
            upstream = await self.instances[service].send(build, stream=True)
        except httpx.RequestError as exc:
            return self._failure(service, exc)
        except ClientDisconnect:
            log.info("client_disconnected", service=service)
            return Response(status_code=400)
        response = StreamingResponse(
            _relay(upstream, service),
            status_code=upstream.status_code,
            background=BackgroundTask(upstream.aclose),
        )
        response.raw_headers = _response_headers(upstream)
        return response

    async def openapi(self, service: str) -> Response:
        """The service's OpenAPI document, its server set to `/api/<service>` so that Swagger
        UI served by the gateway sends "Try it out" requests through the gateway."""
        if service not in PROXIED_SERVICES:
            return unknown_service(service)
        headers = {"X-Request-ID": request_id_var.get()}
        try:
            answer = await self.instances[service].send(
                lambda base: self.http.build_request("GET", f"{base}/openapi.json", headers=headers)
            )
        except httpx.RequestError as exc:
            return self._failure(service, exc)
        if answer.status_code != 200:
            detail = f"The {service} service did not describe its API ({answer.status_code})"
            return JSONResponse({"detail": detail}, status_code=502)
        spec = answer.json()
        spec["servers"] = [{"url": f"/api/{service}", "description": "through the gateway"}]
        return JSONResponse(spec)

    def _failure(self, service: str, exc: httpx.RequestError) -> JSONResponse:
        """A service that cannot be reached is a 502, one that is too slow a 504: never 500."""
        if isinstance(exc, httpx.TimeoutException):
            log.warning("upstream_timeout", service=service, error=repr(exc))
            seconds = self.settings.proxy_timeout_seconds
            return JSONResponse(
                {"detail": f"The {service} service did not answer within {seconds:g} s"},
                status_code=504,
            )
        log.warning("upstream_unavailable", service=service, error=repr(exc))
        return JSONResponse(
            {"detail": f"The {service} service is unavailable"},
            status_code=502,
            headers={"Retry-After": "1"},
        )

    async def health(self, service: str) -> str:
        """`ok`, or why the service's `/health` did not answer 200."""
        timeout = min(self.settings.proxy_timeout_seconds, 2.0)
        headers = {"X-Request-ID": request_id_var.get() or "gateway-ready"}
        try:
            answer = await self.instances[service].send(
                lambda base: self.http.build_request(
                    "GET", f"{base}/health", headers=headers, timeout=timeout
                )
            )
        except httpx.TimeoutException:
            return "timeout"
        except httpx.TransportError:
            return "unreachable"
        return "ok" if answer.status_code == 200 else f"status {answer.status_code}"

    def _url(self, request: Request, base_url: str, service: str, path: str) -> httpx.URL:
        """`base_url` (an instance of the service) plus the path exactly as the client sent
        it (no re-encoding)."""
        raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
        prefix = f"/api/{service}/".encode()
        if raw.startswith(prefix):
            tail = raw[len(prefix) :]
        else:  # the client encoded the prefix itself: re-encode the decoded path
            tail = quote(path, safe="/:@!$&'()*+,;=~").encode()
        query: bytes = request.scope.get("query_string", b"")
        base = httpx.URL(base_url)
        raw_path = base.raw_path.rstrip(b"/") + b"/" + tail.lstrip(b"/")
        return base.copy_with(raw_path=raw_path + (b"?" + query if query else b""))

    def _request_headers(self, request: Request) -> list[tuple[bytes, bytes]]:
        incoming = request.headers
        dropped = (
            HOP_BY_HOP | _REQUEST_REPLACED | _listed_in_connection(incoming.getlist("connection"))
        )
        headers = [
            (name, value)
            for name, value in request.headers.raw
            if name.decode("latin-1") not in dropped and not name.startswith(b"proxy-")
        ]
        peer = request.client.host if request.client else ""
        hops = [
            hop.strip() for line in incoming.getlist("x-forwarded-for") for hop in line.split(",")
        ]
        forwarded_for = ", ".join([*(hop for hop in hops if hop), *([peer] if peer else [])])
        if forwarded_for:
            headers.append((b"x-forwarded-for", forwarded_for.encode("latin-1")))
        proto, host = request.url.scheme, incoming.get("host", "")
        if self._is_trusted(peer):  # a TLS terminator in front of the gateway knows better
            proto = incoming.get("x-forwarded-proto", proto)
            host = incoming.get("x-forwarded-host", host)
        headers.append((b"x-forwarded-proto", proto.encode("latin-1")))
        if host:
            headers.append((b"x-forwarded-host", host.encode("latin-1")))
        headers.append((b"x-request-id", request_id_var.get().encode("latin-1")))
        if "accept-encoding" not in incoming:
            # The body is relayed as is: never let the client library ask for a compression
            # the client did not.
            headers.append((b"accept-encoding", b"identity"))
        return headers

    def _is_trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self._trusted)


def unknown_service(service: str) -> JSONResponse:
    """404 naming the service, unless the name is not one (never echo markup back)."""
    name = f": {service}" if _SERVICE_NAME.match(service) else ""
    return JSONResponse({"detail": f"Unknown service{name}"}, status_code=404)


def _listed_in_connection(values: list[str]) -> frozenset[str]:
    return frozenset(
        token.strip().lower() for value in values for token in value.split(",") if token.strip()
    )


def _response_headers(upstream: httpx.Response) -> list[tuple[bytes, bytes]]:
    dropped = (
        HOP_BY_HOP
        | _RESPONSE_REPLACED
        | _listed_in_connection(upstream.headers.get_list("connection"))
    )
    return [
        (name.lower(), value)
        for name, value in upstream.headers.raw
        if name.lower().decode("latin-1") not in dropped and not name.lower().startswith(b"proxy-")
    ]


async def _relay(upstream: httpx.Response, service: str) -> AsyncIterator[bytes]:
    """The service's body as it arrives (still encoded, if it was)."""
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    except httpx.HTTPError as exc:
        # The status line is already sent: all that is left is to cut the response short.
        log.warning("upstream_broke_off", service=service, error=repr(exc))
        raise
    finally:
        await upstream.aclose()


def _networks(trusted: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in trusted.split(",")
        if part.strip()
    )


def get_proxy(request: Request) -> Proxy:
    proxy: Proxy = request.app.state.proxy
    return proxy


async def forward(
    service: str, path: str, request: Request, proxy: Annotated[Proxy, Depends(get_proxy)]
) -> Response:
    return await proxy.forward(request, service, path)


router = APIRouter(tags=["proxy"])
for _method in METHODS:  # one route per method: each its own OpenAPI operation
    router.add_api_route(
        "/api/{service}/{path:path}",
        forward,
        methods=[_method],
        operation_id=f"forward_{_method.lower()}",
        summary=f"{_method} on a service",
        description=f"Forwards the request to `<service>/<path>` (services: "
        f"{', '.join(PROXIED_SERVICES)}); status, headers and body come back unchanged.",
        response_model=None,
    )
