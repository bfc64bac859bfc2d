from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.conftest import Shop
from tests.inventory.helpers import new_product_id, set_stock, stock_of

SERVICES = ["users", "inventory"]


async def test_put_creates_then_updates_stock(shop: Shop) -> None:
    product_id = new_product_id()
    created = await set_stock(shop, product_id, 7)
    assert created["product_id"] == product_id
    assert (created["available"], created["reserved"]) == (7, 0)
    updated = await set_stock(shop, product_id, 3)
    assert updated["available"] == 3
    assert updated["version"] == created["version"] + 1
    assert await stock_of(shop, product_id) == updated


async def test_service_token_may_set_stock(shop: Shop) -> None:
    token = await shop.service_token("inventory")
    response = await shop.call(
        "inventory", "PUT", f"/stock/{new_product_id()}", token, json={"available": 1}
    )
    assert response.status_code == 200


async def test_unknown_stock_is_404(shop: Shop) -> None:
    response = await shop.call("inventory", "GET", "/stock/999999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Stock not found"}


async def test_list_by_ids_omits_unknown(shop: Shop) -> None:
    first, second = new_product_id(), new_product_id()
    await set_stock(shop, first, 1)
    await set_stock(shop, second, 2)
    response = await shop.call(
        "inventory", "GET", "/stock", params={"product_ids": f"{second},{first},987654321"}
    )
    assert response.status_code == 200
    assert [s["product_id"] for s in response.json()] == [first, second]


@pytest.mark.parametrize("ids", ["a,b", "1,-2", "", " , ", "1.5", "99999999999999999999"])
async def test_list_with_bad_ids_is_422(shop: Shop, ids: str) -> None:
    response = await shop.call("inventory", "GET", "/stock", params={"product_ids": ids})
    assert response.status_code == 422
    assert "product_ids" in response.json()["detail"]


async def test_writes_need_a_token_and_a_privileged_role(shop: Shop) -> None:
    path = f"/stock/{new_product_id()}"
    anonymous = await shop.call("inventory", "PUT", path, json={"available": 1})
    assert anonymous.status_code == 401
    _, customer = await shop.new_customer()
    for method in ("PUT", "DELETE"):
        response = await shop.call("inventory", method, path, customer, json={"available": 1})
        assert response.status_code == 403
        assert response.json() == {"detail": "Not allowed for your role"}
    bad = await shop.call("inventory", "PUT", path, "not-a-token", json={"available": 1})
    assert bad.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"available": -1},
        {"available": 1_000_001},
        {"available": "ten"},
        {"available": 1.5},
        {"available": True},
        {"available": None},
        {},
        [],
    ],
)
async def test_bad_stock_levels_are_422(shop: Shop, body: Any) -> None:
    response = await shop.call(
        "inventory", "PUT", f"/stock/{new_product_id()}", shop.admin_token, json=body
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("Invalid request")


async def test_unknown_fields_are_ignored(shop: Shop) -> None:
    response = await shop.call(
        "inventory",
        "PUT",
        f"/stock/{new_product_id()}",
        shop.admin_token,
        json={"available": 4, "reserved": 100, "colour": "red"},
    )
    assert response.status_code == 200
    assert response.json()["reserved"] == 0


async def test_malformed_json_is_400(shop: Shop) -> None:
    response = await shop.call(
        "inventory",
        "PUT",
        f"/stock/{new_product_id()}",
        shop.admin_token,
        content=b'{"available": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Malformed JSON body"}


@pytest.mark.parametrize("product_id", ["0", "-3", "abc", str(2**64)])
async def test_bad_product_ids_in_paths_are_422(shop: Shop, product_id: str) -> None:
    response = await shop.call("inventory", "GET", f"/stock/{product_id}")
    assert response.status_code == 422


async def test_delete_stock(shop: Shop) -> None:
    product_id = new_product_id()
    before = await set_stock(shop, product_id, 5)
    response = await shop.call("inventory", "DELETE", f"/stock/{product_id}", shop.admin_token)
    assert response.status_code == 200
    assert response.json() == {"message": "Stock deleted"}
    assert (await shop.call("inventory", "GET", f"/stock/{product_id}")).status_code == 404
    again = await shop.call("inventory", "DELETE", f"/stock/{product_id}", shop.admin_token)
    assert again.status_code == 404
    recreated = await set_stock(shop, product_id, 2)
    assert recreated["version"] > before["version"]  # versions never go back


async def test_every_change_emits_stock_changed(shop: Shop) -> None:
    product_id = new_product_id()
    await set_stock(shop, product_id, 5)
    level = await set_stock(shop, product_id, 6)
    for _ in range(100):
        events = [
            json.loads(m.value)
            for m in shop.messages("inventory-events")
            if m.key == str(product_id)
        ]
        if len(events) >= 2:
            break
        await _tick()
    assert [e["event_type"] for e in events] == ["stock_changed", "stock_changed"]
    assert events[-1]["data"] == level


async def test_product_deleted_event_drops_the_stock_row(shop: Shop) -> None:
    product_id = new_product_id()
    await set_stock(shop, product_id, 5)
    bus = shop.platform.runtime.bus
    envelope = {
        "event_id": "7d9f1e0c-0000-4000-8000-000000000001",
        "event_type": "product_deleted",
        "version": 1,
        "timestamp": "2026-01-01T00:00:00Z",
        "data": {"product_id": product_id},
    }
    payload = json.dumps(envelope).encode()
    await bus.publish("catalog-events", str(product_id), payload)
    await bus.publish("catalog-events", str(product_id), payload)  # a redelivery
    for _ in range(50):
        response = await shop.call("inventory", "GET", f"/stock/{product_id}")
        if response.status_code == 404:
            break
        await _tick()
    assert response.status_code == 404


async def _tick() -> None:
    await asyncio.sleep(0.02)


async def test_openapi_lists_the_routes(shop: Shop) -> None:
    paths = (await shop.call("inventory", "GET", "/openapi.json")).json()["paths"]
    assert {"/stock", "/stock/{product_id}", "/reservations"} <= set(paths)
    assert "/reservations/{reservation_id}/restock" in paths


async def test_product_ids_are_documented_as_an_ascii_list(shop: Shop) -> None:
    """As catalog's `ids` (the fuzz suite): digits and commas only, so it fits in a URL."""
    spec = (await shop.call("inventory", "GET", "/openapi.json")).json()
    params = {p["name"]: p["schema"] for p in spec["paths"]["/stock"]["get"]["parameters"]}
    assert params["product_ids"]["anyOf"][0]["pattern"] == r"^[0-9]{1,19}(,[0-9]{1,19})*$"
