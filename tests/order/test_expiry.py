"""An unpaid order's reservation expires: the order becomes cancelled and the stock returns
(and catalog shows it within 1 s)."""

from __future__ import annotations

from tests.conftest import Shop, eventually

OVERRIDES = {"inventory": {"reservation_ttl_seconds": 1, "sweep_interval_seconds": 0.1}}


async def test_unpaid_order_expires_and_stock_returns(fresh_shop: Shop) -> None:
    shop = fresh_shop
    user_id, token = await shop.new_customer()
    product = await shop.new_product(stock=4)
    await shop.add_to_cart(user_id, token, product["id"], 3)
    order = (await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})).json()
    declined = await shop.call(
        "order",
        "POST",
        f"/orders/{order['id']}/payment",
        token,
        json={"payment_method": "pm_card_declined"},
    )
    assert declined.status_code == 400
    assert await shop.stock(product["id"]) == 1

    async def cancelled() -> bool:
        current = await shop.call("order", "GET", f"/orders/{order['id']}", token)
        return bool(current.json()["status"] == "cancelled")

    await eventually(cancelled, within=3.0)
    assert await shop.stock(product["id"]) == 4

    async def catalog_caught_up() -> bool:
        return await shop.catalog_stock(product["id"]) == 4

    await eventually(catalog_caught_up, within=1.0)
    late = await shop.call(
        "order",
        "POST",
        f"/orders/{order['id']}/payment",
        token,
        json={"payment_method": "pm_card_success"},
    )
    assert late.status_code == 400
