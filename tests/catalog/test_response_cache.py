"""Catalog's public reads replayed from memory: the same bytes, still logged and counted per
request, and never older than the last change (admin edits and stock events alike)."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from tests.catalog.helpers import get_product
from tests.conftest import Shop

SERVICES = ["users", "inventory", "catalog"]


def responses(shop: Shop) -> Any:
    return shop.platform.apps["catalog"].state.ctx.responses


async def requests_counted(shop: Shop, template: str) -> float:
    text = (await shop.call("catalog", "GET", "/metrics")).text
    route = re.escape(template)
    pattern = rf'ecart_http_requests_total{{.*method="GET",route="{route}",.*status="200"}} (\S+)'
    return sum(float(value) for value in re.findall(pattern, text))


async def test_a_repeated_read_is_replayed_with_its_own_request_id_and_counted(
    shop: Shop,
) -> None:
    product = await shop.new_product(name="Replayed teapot")
    page = f"/products/{product['id']}"
    await asyncio.sleep(0.2)  # the stock_changed event of its creation invalidates once more
    first = await shop.call("catalog", "GET", page)
    hits, counted = responses(shop).hits, await requests_counted(shop, "/products/{product_id}")
    second = await shop.call("catalog", "GET", page)
    assert responses(shop).hits == hits + 1
    assert second.content == first.content
    assert second.json()["name"] == "Replayed teapot"
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    assert await requests_counted(shop, "/products/{product_id}") == counted + 1


async def test_an_admin_change_shows_on_the_very_next_read(shop: Shop) -> None:
    product = await shop.new_product(price=10, category="Replay")
    page, listing = f"/products/{product['id']}", "/products?category=replay"
    for _ in range(2):
        assert (await get_product(shop, product["id"]))["price"] == 10
        assert [p["price"] for p in (await shop.call("catalog", "GET", listing)).json()] == [10]
    response = await shop.call(
        "catalog", "PUT", page, shop.admin_token, json={"price": 12.5, "name": "Renamed"}
    )
    assert response.status_code == 200
    assert (await get_product(shop, product["id"]))["name"] == "Renamed"
    assert [p["price"] for p in (await shop.call("catalog", "GET", listing)).json()] == [12.5]
    assert (await shop.call("catalog", "DELETE", page, shop.admin_token)).status_code == 200
    assert (await shop.call("catalog", "GET", page)).status_code == 404
    assert (await shop.call("catalog", "GET", listing)).json() == []


async def test_a_stock_change_from_inventory_shows_within_a_second(shop: Shop) -> None:
    product = await shop.new_product(stock=5)
    for _ in range(2):
        await get_product(shop, product["id"])
    response = await shop.call(
        "inventory", "PUT", f"/stock/{product['id']}", shop.admin_token, json={"available": 3}
    )
    assert response.status_code == 200
    start = time.monotonic()
    while (await get_product(shop, product["id"]))["stock"] != 3:
        assert time.monotonic() - start < 1.0, "the replayed answer outlived the stock change"
        await asyncio.sleep(0.02)


async def test_bad_input_is_answered_by_the_route_every_time(shop: Shop) -> None:
    for _ in range(2):
        response = await shop.call("catalog", "GET", "/products?limit=0")
        assert response.status_code == 422
        assert (await shop.call("catalog", "GET", "/products/999999999")).status_code == 404
