"""The gateway in front of the real services (every app in-process): requests go through
`/api/<service>/…` unchanged, with the gateway's request id and X-Forwarded-* headers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, Shop, unique_email
from tests.gateway.helpers import assert_security_headers

# No SERVICES: the whole platform, the gateway included.


class Recorder(httpx.AsyncBaseTransport):
    """Wraps one service's in-process transport and keeps what went through it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.exchanges.append((request, response))
        return response

    @property
    def last(self) -> tuple[httpx.Request, httpx.Response]:
        assert self.exchanges, "nothing reached the service"
        return self.exchanges[-1]


@pytest.fixture
def wire(shop: Shop) -> Iterator[Callable[[str], Recorder]]:
    """`wire("catalog")`: records what the gateway sends catalog and what catalog answers."""
    transport = shop.platform.transport
    assert transport is not None
    replaced: dict[tuple[str, int], Recorder] = {}

    def record(service: str) -> Recorder:
        url = httpx.URL(shop.platform.settings[service].url_of(service))
        key = (url.host, url.port or 80)
        replaced[key] = Recorder(transport.routes[key])
        transport.routes[key] = replaced[key]  # type: ignore[assignment]
        return replaced[key]

    yield record
    for key, recorder in replaced.items():
        transport.routes[key] = recorder.inner  # type: ignore[assignment]


@pytest.fixture
def catalog_wire(wire: Callable[[str], Recorder]) -> Recorder:
    return wire("catalog")


@pytest.fixture
async def gateway(shop: Shop) -> AsyncIterator[httpx.AsyncClient]:
    async with shop.client("gateway") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_register_login_and_me_through_the_gateway(gateway: httpx.AsyncClient) -> None:
    email = unique_email()
    registered = await gateway.post(
        "/api/users/auth/register", json={"email": email, "password": PASSWORD, "name": "Via"}
    )
    assert registered.status_code == 201, registered.text
    token = await gateway.post(
        "/api/users/auth/token", data={"username": email, "password": PASSWORD}
    )
    assert token.status_code == 200, token.text
    me = await gateway.get("/api/users/users/me", headers=bearer(token.json()["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == registered.json()["id"]
    assert me.json()["role"] == "customer"
    assert_security_headers(me)


async def test_admin_creates_updates_and_deletes_a_product_through_the_gateway(
    gateway: httpx.AsyncClient, shop: Shop
) -> None:
    created = await gateway.post(
        "/api/catalog/products",
        json={"name": "Gateway Lamp", "description": "x", "price": 12.5, "stock": 3},
        headers=bearer(shop.admin_token),
    )
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    assert created.json()["stock"] == 3
    updated = await gateway.put(
        f"/api/catalog/products/{product_id}",
        json={"price": 13.75},
        headers=bearer(shop.admin_token),
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["price"] == 13.75
    stock = await gateway.get(f"/api/inventory/stock/{product_id}")
    assert stock.json()["available"] == 3
    deleted = await gateway.delete(
        f"/api/catalog/products/{product_id}", headers=bearer(shop.admin_token)
    )
    assert deleted.json() == {"message": "Product deleted successfully"}
    gone = await gateway.get(f"/api/catalog/products/{product_id}")
    assert gone.status_code == 404


async def test_a_customer_shops_through_the_gateway(
    gateway: httpx.AsyncClient, shop: Shop, wire: Callable[[str], Recorder]
) -> None:
    product = await shop.new_product(price=20, stock=5)
    user_id, token = await shop.new_customer()
    added = await gateway.post(
        f"/api/cart/cart/{user_id}/items",
        json={"product_id": product["id"], "quantity": 2},
        headers=bearer(token),
    )
    assert added.status_code == 200, added.text
    cart = await gateway.get(f"/api/cart/cart/{user_id}", headers=bearer(token))
    assert cart.json()["total"] == 40
    order_wire = wire("order")
    order = await gateway.post(
        "/api/order/orders",
        json={"user_id": user_id},
        headers={**bearer(token), "Idempotency-Key": f"gw-{user_id}"},
    )
    assert order.status_code == 201, order.text
    assert order.json()["total_amount"] == 40
    sent, _ = order_wire.last
    assert sent.headers["idempotency-key"] == f"gw-{user_id}"
    assert sent.headers["content-type"] == "application/json"
    assert await shop.stock(product["id"]) == 3
    emptied = await gateway.get(f"/api/cart/cart/{user_id}", headers=bearer(token))
    assert emptied.json()["items"] == []


async def test_query_strings_reach_the_service(gateway: httpx.AsyncClient, shop: Shop) -> None:
    for _ in range(3):
        await shop.new_product(name="Query Kettle")
    page = await gateway.get("/api/catalog/products", params={"limit": 2, "q": "Query Kettle"})
    assert page.status_code == 200
    assert len(page.json()) == 2
    direct = await shop.call("catalog", "GET", "/products", params={"limit": 2, "skip": 1})
    proxied = await gateway.get("/api/catalog/products?limit=2&skip=1")
    assert proxied.json() == direct.json()


@pytest.mark.parametrize(
    ("method", "path", "body", "as_admin", "status"),
    [
        ("GET", "/products/987654", None, False, 404),
        ("GET", "/products?limit=abc", None, False, 422),
        ("POST", "/products", b'{"name": "x"}', False, 401),
        ("POST", "/products", b'{"name": "x"}', True, 422),
        ("POST", "/products", b'{"name": ', True, 400),
        ("DELETE", "/products/987654", None, True, 404),
    ],
)
async def test_errors_arrive_unchanged(
    gateway: httpx.AsyncClient,
    shop: Shop,
    method: str,
    path: str,
    body: bytes | None,
    as_admin: bool,
    status: int,
) -> None:
    headers = {"content-type": "application/json"}
    if as_admin:
        headers.update(bearer(shop.admin_token))
    direct = await shop.call("catalog", method, path, content=body, headers=headers)
    proxied = await gateway.request(method, f"/api/catalog{path}", content=body, headers=headers)
    assert direct.status_code == proxied.status_code == status
    assert proxied.json() == direct.json()
    assert proxied.headers["content-type"] == direct.headers["content-type"]
    assert proxied.headers.get("www-authenticate") == direct.headers.get("www-authenticate")
    assert_security_headers(proxied)


async def test_a_conflict_arrives_unchanged(gateway: httpx.AsyncClient) -> None:
    body = {"email": unique_email(), "password": PASSWORD, "name": "Twice"}
    assert (await gateway.post("/api/users/auth/register", json=body)).status_code == 201
    duplicate = await gateway.post("/api/users/auth/register", json=body)
    assert duplicate.status_code == 409
    assert "detail" in duplicate.json()


async def test_the_request_id_is_the_one_the_service_saw(
    gateway: httpx.AsyncClient, catalog_wire: Recorder
) -> None:
    chosen = await gateway.get("/api/catalog/products", headers={"X-Request-ID": "trace-42.a"})
    sent, answered = catalog_wire.last
    assert sent.headers["x-request-id"] == "trace-42.a"
    assert answered.headers["x-request-id"] == "trace-42.a"
    assert chosen.headers.get_list("x-request-id") == ["trace-42.a"]

    generated = await gateway.get("/api/catalog/products", headers={"X-Request-ID": "<bad>"})
    sent, answered = catalog_wire.last
    rid = generated.headers["x-request-id"]
    assert rid not in ("", "<bad>")
    assert sent.headers["x-request-id"] == answered.headers["x-request-id"] == rid
    assert generated.headers.get_list("x-request-id") == [rid]


async def test_forwarding_headers_are_added(
    gateway: httpx.AsyncClient, catalog_wire: Recorder
) -> None:
    await gateway.get("/api/catalog/products", headers={"X-Forwarded-For": "203.0.113.7"})
    sent, _ = catalog_wire.last
    # The in-process client's address is 127.0.0.1; it is appended to what came in.
    assert sent.headers["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert sent.headers["x-forwarded-proto"] == "http"
    assert sent.headers["x-forwarded-host"] == "127.0.0.1:8000"
    assert sent.url.host == "127.0.0.1"
    assert sent.url.port == 8001
    assert sent.headers["host"] == "127.0.0.1:8001"

    await gateway.get(
        "/api/catalog/products",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    )
    sent, _ = catalog_wire.last
    assert sent.headers["x-forwarded-for"] == "127.0.0.1"
    # The client is not a trusted proxy: its claims about scheme and host are replaced.
    assert sent.headers["x-forwarded-proto"] == "http"
    assert sent.headers["x-forwarded-host"] == "127.0.0.1:8000"


async def test_hop_by_hop_headers_stop_at_the_gateway(
    gateway: httpx.AsyncClient, catalog_wire: Recorder, shop: Shop
) -> None:
    response = await gateway.get(
        "/api/catalog/products",
        headers={
            "Connection": "keep-alive, X-Hop-Secret",
            "X-Hop-Secret": "for the gateway only",
            "Keep-Alive": "timeout=5",
            "TE": "trailers",
            "Upgrade": "h2c",
            "Proxy-Authorization": "Basic Zm9vOmJhcg==",
            "Proxy-Connection": "keep-alive",
            "Authorization": f"Bearer {shop.admin_token}",
            "Accept": "application/json",
            "X-Custom": "kept",
        },
    )
    assert response.status_code == 200
    sent, _ = catalog_wire.last
    for hop in ("x-hop-secret", "keep-alive", "te", "upgrade", "proxy-authorization"):
        assert hop not in sent.headers, hop
    assert sent.headers.get("connection", "keep-alive") == "keep-alive"  # the client's own
    assert "proxy-connection" not in sent.headers
    assert sent.headers["authorization"] == f"Bearer {shop.admin_token}"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["x-custom"] == "kept"
    assert sent.headers["accept-encoding"] == response.request.headers["accept-encoding"]


async def test_unknown_service_is_a_json_404(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/shipping/rates")
    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown service: shipping"}
    assert_security_headers(response)
    odd = await gateway.get("/api/%3Cscript%3E/x")
    assert odd.status_code == 404
    assert odd.json() == {"detail": "Unknown service"}  # never echoes markup
    bare = await gateway.get("/api/catalog")
    assert bare.status_code == 404
    assert bare.json() == {"detail": "Not Found"}


async def test_a_body_over_the_limit_is_refused_with_413(
    gateway: httpx.AsyncClient, shop: Shop
) -> None:
    limit = shop.platform.apps["gateway"].state.proxy.settings.max_body_bytes
    declared = await gateway.post(
        "/api/users/auth/register",
        content=b"x" * (limit + 1),
        headers={"content-type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.json() == {"detail": f"Request body too large (limit {limit} bytes)"}
    assert_security_headers(declared)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    streamed = await gateway.post(
        "/api/catalog/products",
        content=chunks(),
        headers={"content-type": "application/json", **bearer(shop.admin_token)},
    )
    assert streamed.status_code == 413
    assert "too large" in streamed.json()["detail"]


async def test_ready_reports_every_service(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "service": "gateway",
        "checks": dict.fromkeys(
            ("users", "catalog", "cart", "order", "payment", "inventory", "notifications"),
            "ok",
        ),
    }


async def test_the_admin_can_sign_in_through_the_gateway(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/api/users/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


async def test_each_service_s_api_docs_are_served_through_the_gateway(
    gateway: httpx.AsyncClient,
) -> None:
    docs = await gateway.get("/api/catalog/docs")
    assert docs.status_code == 200
    assert "url: '/api/catalog/openapi.json'" in docs.text
    csp = docs.headers["content-security-policy"]
    assert "script-src 'self' https://cdn.jsdelivr.net 'sha256-" in csp
    assert "frame-ancestors 'none'" in csp
    spec = await gateway.get("/api/catalog/openapi.json")
    assert spec.status_code == 200
    # "Try it out" in that Swagger UI goes through the gateway.
    assert spec.json()["servers"] == [{"url": "/api/catalog", "description": "through the gateway"}]
    assert "/products" in spec.json()["paths"]
    unknown = await gateway.get("/api/nope/docs")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Unknown service: nope"}
