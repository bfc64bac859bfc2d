"""The proxy against a fake upstream: failures become 502/504 (never 500), odd headers and
big bodies pass through correctly, security headers and CORS on every response."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.gateway.helpers import FakeUpstream, answer, assert_security_headers, gateway_client

ALLOWED = "https://shop.example"


async def test_an_unreachable_service_is_a_502_with_a_message() -> None:
    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with gateway_client(FakeUpstream(refuse)) as client:
        response = await client.get("/api/cart/cart/1")
    assert response.status_code == 502
    assert response.json() == {"detail": "The cart service is unavailable"}
    assert response.headers["retry-after"] == "1"
    assert response.headers["x-request-id"]
    assert_security_headers(response)


async def test_a_service_that_does_not_answer_in_time_is_a_504() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with gateway_client(FakeUpstream(hang), proxy_timeout_seconds=2.5) as client:
        response = await client.post("/api/order/orders", json={"user_id": "1"})
    assert response.status_code == 504
    assert response.json() == {"detail": "The order service did not answer within 2.5 s"}
    assert_security_headers(response)


async def test_a_connection_dropped_mid_answer_is_a_502() -> None:
    async def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("server disconnected", request=request)

    async with gateway_client(FakeUpstream(drop)) as client:
        response = await client.get("/api/catalog/products")
    assert response.status_code == 502


async def test_status_headers_and_body_pass_through_without_hop_by_hop_headers() -> None:
    async def odd(request: httpx.Request) -> httpx.Response:
        return answer(
            418,
            headers=[
                ("content-type", "text/plain; charset=utf-8"),
                ("connection", "keep-alive, x-upstream-hop"),
                ("x-upstream-hop", "drop me"),
                ("keep-alive", "timeout=5"),
                ("proxy-authenticate", "Basic"),
                ("upgrade", "h2c"),
                ("trailer", "x-checksum"),
                ("set-cookie", "a=1; HttpOnly"),
                ("set-cookie", "b=2; HttpOnly"),
                ("x-request-id", "upstream-id"),
                ("server", "uvicorn"),
                ("date", "Tue, 24 Nov 2026 21:00:00 GMT"),
                ("location", "/somewhere"),
                ("etag", '"v1"'),
            ],
            content=b"I'm a teapot",
        )

    async with gateway_client(FakeUpstream(odd)) as client:
        response = await client.get("/api/payment/payments/1", headers={"X-Request-ID": "mine"})
    assert response.status_code == 418
    assert response.text == "I'm a teapot"
    headers = response.headers
    for hop in ("connection", "x-upstream-hop", "keep-alive", "proxy-authenticate", "upgrade"):
        assert hop not in headers, hop
    assert "trailer" not in headers
    assert headers.get_list("set-cookie") == ["a=1; HttpOnly", "b=2; HttpOnly"]
    assert headers.get_list("x-request-id") == ["mine"]
    assert "server" not in headers and "date" not in headers  # the gateway's server adds its own
    assert headers["location"] == "/somewhere"  # a redirect is the client's to follow
    assert headers["etag"] == '"v1"'
    assert headers["content-length"] == str(len(b"I'm a teapot"))
    assert_security_headers(response)


async def test_compressed_bodies_are_relayed_as_they_are() -> None:
    payload = b'{"items": []}' * 100

    async def gzipped(request: httpx.Request) -> httpx.Response:
        return answer(
            200,
            headers=[("content-encoding", "gzip"), ("content-type", "application/json")],
            content=gzip.compress(payload),
        )

    async with gateway_client(FakeUpstream(gzipped)) as client:
        response = await client.get("/api/cart/cart/1", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == payload  # httpx decoded what the gateway relayed untouched


async def test_the_service_is_never_asked_for_a_compression_the_client_did_not_ask_for() -> None:
    upstream = FakeUpstream()
    async with gateway_client(upstream) as client:
        request = client.build_request("GET", "/api/catalog/products")
        del request.headers["accept-encoding"]
        await client.send(request)
        await client.get("/api/catalog/products", headers={"Accept-Encoding": "br"})
    assert upstream.requests[0].headers["accept-encoding"] == "identity"
    assert upstream.requests[1].headers["accept-encoding"] == "br"


async def test_the_path_and_query_reach_the_service_byte_for_byte() -> None:
    upstream = FakeUpstream()
    async with gateway_client(upstream) as client:
        await client.get("/api/catalog/products/a%2Fb/caf%C3%A9?q=caf%C3%A9+au+lait&x=1&x=2")
        await client.get("/api/catalog/")
    first, second = upstream.requests
    assert first.url.raw_path == b"/products/a%2Fb/caf%C3%A9?q=caf%C3%A9+au+lait&x=1&x=2"
    assert first.url.host == "127.0.0.1" and first.url.port == 8001
    assert second.url.raw_path == b"/"


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_every_method_is_forwarded(method: str) -> None:
    upstream = FakeUpstream()
    async with gateway_client(upstream) as client:
        response = await client.request(method, "/api/inventory/stock/1")
    assert response.status_code == 200
    assert upstream.requests[-1].method == method


async def test_request_bodies_are_streamed_and_chunked_ones_measured() -> None:
    upstream = FakeUpstream()
    body = bytes(range(256)) * 2048  # 512 KiB, under the 1 MiB limit

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    async with gateway_client(upstream) as client:
        declared = await client.put("/api/catalog/products/1", content=body)
        chunked = await client.put("/api/catalog/products/2", content=chunks())
    assert declared.status_code == chunked.status_code == 200
    assert upstream.bodies == [body, body]
    assert upstream.requests[1].headers["content-length"] == str(len(body))
    assert "transfer-encoding" not in upstream.requests[1].headers


async def test_a_chunked_body_over_the_limit_never_reaches_the_service() -> None:
    upstream = FakeUpstream()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 65536  # 2.5 MiB

    async with gateway_client(upstream, max_body_bytes=1_048_576) as client:
        response = await client.post("/api/catalog/products", content=chunks())
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large (limit 1048576 bytes)"}
    assert upstream.requests == []
    assert_security_headers(response)


async def test_large_responses_are_streamed_through() -> None:
    size = 5 * 1024 * 1024

    async def blob(request: httpx.Request) -> httpx.Response:
        async def stream() -> AsyncIterator[bytes]:
            for _ in range(size // 65536):
                yield b"y" * 65536

        return httpx.Response(
            200, headers={"content-type": "application/octet-stream"}, content=stream()
        )

    received = 0
    async with (
        gateway_client(FakeUpstream(blob)) as client,
        client.stream("GET", "/api/catalog/export") as response,
    ):
        async for chunk in response.aiter_bytes():
            received += len(chunk)
    assert response.status_code == 200
    assert received == size


async def test_ready_is_503_naming_the_service_that_does_not_answer() -> None:
    async def catalog_down(request: httpx.Request) -> httpx.Response:
        if request.url.port == 8001:
            return answer(503, json={"detail": "starting"})
        if request.url.port == 8006:
            raise httpx.ConnectTimeout("slow", request=request)
        return answer(200, json={"status": "healthy"})

    async with gateway_client(FakeUpstream(catalog_down)) as client:
        response = await client.get("/ready")
        health = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"] == {
        "users": "ok",
        "catalog": "status 503",
        "cart": "ok",
        "order": "ok",
        "payment": "ok",
        "inventory": "timeout",
        "notifications": "ok",
    }
    assert health.json() == {"status": "healthy", "service": "gateway"}  # liveness only


async def test_hsts_only_when_enabled() -> None:
    async with gateway_client() as client:
        plain = await client.get("/api/catalog/products")
    assert_security_headers(plain, hsts=False)
    async with gateway_client(hsts=True) as client:
        behind_tls = await client.get("/api/catalog/products")
        page = await client.get("/")
    assert_security_headers(behind_tls, hsts=True)
    assert_security_headers(page, hsts=True)
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_cors_echoes_only_allowed_origins() -> None:
    async with gateway_client(cors_origins=f"{ALLOWED}, http://localhost:5173") as client:
        allowed = await client.get("/api/catalog/products", headers={"Origin": ALLOWED})
        other = await client.get(
            "/api/catalog/products", headers={"Origin": "https://evil.example"}
        )
        same_site = await client.get("/api/catalog/products")
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()
    assert "Origin" in allowed.headers["vary"]
    assert not [h for h in other.headers if h.startswith("access-control-")]
    assert "Origin" in other.headers["vary"]  # caches must not reuse one origin's answer
    assert not [h for h in same_site.headers if h.startswith("access-control-")]
    for response in (allowed, other):
        assert response.headers.get("access-control-allow-origin") != "*"
        assert_security_headers(response)


async def test_cors_preflight_is_answered_for_allowed_origins_only() -> None:
    upstream = FakeUpstream()
    preflight = {
        "Origin": ALLOWED,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }
    async with gateway_client(upstream, cors_origins=ALLOWED) as client:
        allowed = await client.options("/api/order/orders", headers=preflight)
        refused = await client.options(
            "/api/order/orders", headers={**preflight, "Origin": "https://evil.example"}
        )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    allowed_headers = allowed.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key", "x-request-id"):
        assert header in allowed_headers
    assert int(allowed.headers["access-control-max-age"]) > 0
    assert refused.status_code == 403
    assert not [h for h in refused.headers if h.startswith("access-control-")]
    assert upstream.requests == []  # a preflight never reaches a service


async def test_without_an_allow_list_there_are_no_cors_headers() -> None:
    async with gateway_client() as client:
        response = await client.get("/api/catalog/products", headers={"Origin": ALLOWED})
        preflight = await client.options(
            "/api/catalog/products",
            headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"},
        )
    assert not [h for h in response.headers if h.startswith("access-control-")]
    assert "vary" not in response.headers
    assert preflight.status_code == 403
    assert not [h for h in preflight.headers if h.startswith("access-control-")]


async def test_a_service_cannot_widen_cors() -> None:
    async def permissive(request: httpx.Request) -> httpx.Response:
        return answer(
            200,
            json=[],
            headers=[
                ("access-control-allow-origin", "*"),
                ("access-control-allow-credentials", "true"),
            ],
        )

    async with gateway_client(FakeUpstream(permissive), cors_origins=ALLOWED) as client:
        other = await client.get(
            "/api/catalog/products", headers={"Origin": "https://evil.example"}
        )
        allowed = await client.get("/api/catalog/products", headers={"Origin": ALLOWED})
    assert not [h for h in other.headers if h.startswith("access-control-")]
    assert allowed.headers.get_list("access-control-allow-origin") == [ALLOWED]
