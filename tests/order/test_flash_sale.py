"""Flash sale: 200 concurrent buyers, one product with stock 50 → exactly 50 orders, none
oversold, stock 0, and all 50 payable."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import Shop

pytestmark = pytest.mark.slow


async def test_two_hundred_buyers_fifty_units(fresh_shop: Shop) -> None:
    shop = fresh_shop
    product = await shop.new_product(price=19.99, stock=50, name="Flash sale item")
    buyers = shop.buyers(200)
    await asyncio.gather(*(shop.add_to_cart(u, t, product["id"], 1) for u, t in buyers))

    async def checkout(user_id: str, token: str) -> tuple[int, dict[str, object], str]:
        response = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
        assert response.status_code < 500, response.text
        return response.status_code, response.json(), token

    results = await asyncio.gather(*(checkout(u, t) for u, t in buyers))
    won = [(body, token) for status, body, token in results if status == 201]
    assert len(won) == 50
    assert sum(1 for status, _, _ in results if status == 409) == 150
    stock = (await shop.call("inventory", "GET", f"/stock/{product['id']}")).json()
    assert (stock["available"], stock["reserved"]) == (0, 50)

    async def pay(order: dict[str, object], token: str) -> str:
        response = await shop.call(
            "order",
            "POST",
            f"/orders/{order['id']}/payment",
            token,
            json={"payment_method": "pm_card_success"},
        )
        return str(response.json().get("status"))

    statuses = await asyncio.gather(*(pay(order, token) for order, token in won))
    assert statuses == ["paid"] * 50
    stock = (await shop.call("inventory", "GET", f"/stock/{product['id']}")).json()
    assert (stock["available"], stock["reserved"]) == (0, 0)  # committed: sold for good
