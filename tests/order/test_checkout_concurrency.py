"""A hot SKU never oversells: 50 concurrent orders against stock 10."""

from __future__ import annotations

import asyncio

from tests.conftest import Shop


async def test_fifty_concurrent_orders_for_ten_units(fresh_shop: Shop) -> None:
    product = await fresh_shop.new_product(price=5, stock=10)
    buyers = fresh_shop.buyers(50)
    for user_id, token in buyers:
        await fresh_shop.add_to_cart(user_id, token, product["id"], 1)

    async def checkout(user_id: str, token: str) -> int:
        response = await fresh_shop.call(
            "order", "POST", "/orders", token, json={"user_id": user_id}
        )
        assert response.status_code < 500, response.text
        return response.status_code

    statuses = await asyncio.gather(*(checkout(u, t) for u, t in buyers))
    assert statuses.count(201) == 10
    assert statuses.count(409) == 40
    assert await fresh_shop.stock(product["id"]) == 0
    stock = await fresh_shop.call("inventory", "GET", f"/stock/{product['id']}")
    assert stock.json()["reserved"] == 10
    # 40 out-of-stock answers are 4xx: they never open the order→inventory breaker.
    breaker = fresh_shop.platform.apps["order"].state.ctx.client("inventory").breaker
    assert breaker.state == "closed"
    assert breaker.failures == 0
