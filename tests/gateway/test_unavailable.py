"""A platform where some services are not running: the gateway answers 502 for them, and
its readiness says which ones are missing."""

from __future__ import annotations

from tests.conftest import Shop
from tests.gateway.helpers import assert_security_headers

SERVICES = ["users", "catalog", "gateway"]  # no inventory, cart, order, payment
OVERRIDES = {"gateway": {"web_dir": None}}  # the built-in page, even when web/dist is built


async def test_a_service_that_is_not_running_is_a_502(shop: Shop) -> None:
    async with shop.client("gateway") as gateway:
        missing = await gateway.get("/api/cart/cart/1")
        running = await gateway.get("/api/catalog/products")
    assert missing.status_code == 502
    assert missing.json() == {"detail": "The cart service is unavailable"}
    assert_security_headers(missing)
    assert running.status_code == 200


async def test_ready_is_503_and_names_the_missing_services(shop: Shop) -> None:
    async with shop.client("gateway") as gateway:
        response = await gateway.get("/ready")
        page = await gateway.get("/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "service": "gateway",
        "checks": {
            "users": "ok",
            "catalog": "ok",
            "cart": "unreachable",
            "order": "unreachable",
            "payment": "unreachable",
            "inventory": "unreachable",
            "notifications": "unreachable",
        },
    }
    assert page.status_code == 200
    assert page.text.count('<span class="down">unreachable</span>') == 5


async def test_a_missing_service_s_docs_say_so(shop: Shop) -> None:
    async with shop.client("gateway") as gateway:
        spec = await gateway.get("/api/order/openapi.json")
    assert spec.status_code == 502
    assert spec.json() == {"detail": "The order service is unavailable"}
