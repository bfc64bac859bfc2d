from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from tests.catalog.helpers import create_product, get_product
from tests.conftest import Shop

SERVICES = ["users", "inventory", "catalog"]


async def _stock_becomes(shop: Shop, product_id: int, expected: int) -> float:
    """Polls catalog for up to 1 s; returns how long it took."""
    start = time.monotonic()
    while time.monotonic() - start < 1.0:
        if (await get_product(shop, product_id))["stock"] == expected:
            return time.monotonic() - start
        await asyncio.sleep(0.02)
    raise AssertionError(f"catalog stock of {product_id} did not become {expected} within 1 s")


async def test_stock_follows_a_direct_inventory_change(shop: Shop) -> None:
    product = await create_product(shop, stock=5)
    response = await shop.call(
        "inventory", "PUT", f"/stock/{product['id']}", shop.admin_token, json={"available": 42}
    )
    assert response.status_code == 200
    await _stock_becomes(shop, product["id"], 42)


async def test_stock_follows_reservations_and_releases(shop: Shop) -> None:
    product = await create_product(shop, stock=10)
    token = await shop.service_token("catalog")
    rid = f"res-{uuid.uuid4()}"
    body = {"reservation_id": rid, "lines": [{"product_id": product["id"], "quantity": 4}]}
    assert (await shop.call("inventory", "POST", "/reservations", token, json=body)).is_success
    await _stock_becomes(shop, product["id"], 6)
    await shop.call("inventory", "POST", f"/reservations/{rid}/release", token)
    await _stock_becomes(shop, product["id"], 10)


async def test_stale_and_duplicate_events_are_ignored(shop: Shop) -> None:
    product = await create_product(shop, stock=7)
    level = (await shop.call("inventory", "GET", f"/stock/{product['id']}")).json()

    def event(available: int, version: int) -> bytes:
        envelope: dict[str, Any] = {
            "event_id": str(uuid.uuid4()),
            "event_type": "stock_changed",
            "version": 1,
            "timestamp": "2026-01-01T00:00:00Z",
            "data": {**level, "available": available, "version": version},
        }
        return json.dumps(envelope).encode()

    bus = shop.platform.runtime.bus
    key = str(product["id"])
    await bus.publish("inventory-events", key, event(999, level["version"] - 1))  # older
    await bus.publish("inventory-events", key, event(3, level["version"] + 1))  # newer
    await _stock_becomes(shop, product["id"], 3)
    await bus.publish("inventory-events", key, event(500, level["version"] + 1))  # same version
    await asyncio.sleep(0.2)
    assert (await get_product(shop, product["id"]))["stock"] == 3


async def test_create_and_update_answer_with_the_new_stock_synchronously(shop: Shop) -> None:
    product = await create_product(shop, stock=8)
    assert product["stock"] == 8
    response = await shop.call(
        "catalog", "PUT", f"/products/{product['id']}", shop.admin_token, json={"stock": 2}
    )
    assert response.json()["stock"] == 2
    assert (await get_product(shop, product["id"]))["stock"] == 2
