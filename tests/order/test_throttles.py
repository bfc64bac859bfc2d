"""Checkout and payment are limited per account (OWASP API6), not per address."""

from __future__ import annotations

from tests.conftest import Shop

OVERRIDES = {"order": {"checkout_rate_limit": "3/minute", "payment_rate_limit": "2/minute"}}


async def test_checkout_flood_from_one_account_is_throttled(fresh_shop: Shop) -> None:
    shop = fresh_shop
    user_id, token = await shop.new_customer()
    product = await shop.new_product(stock=100)
    statuses = []
    for _ in range(4):
        await shop.add_to_cart(user_id, token, product["id"], 1)
        response = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
        statuses.append(response.status_code)
    assert statuses == [201, 201, 201, 429]
    assert int(response.headers["retry-after"]) >= 1
    assert response.json() == {"detail": "Too many checkout attempts; slow down"}
    assert await shop.stock(product["id"]) == 97  # the throttled attempt reserved nothing

    other_id, other_token = await shop.new_customer()
    await shop.add_to_cart(other_id, other_token, product["id"], 1)
    other = await shop.call("order", "POST", "/orders", other_token, json={"user_id": other_id})
    assert other.status_code == 201  # other accounts are unaffected


async def test_payment_attempts_are_throttled(fresh_shop: Shop) -> None:
    shop = fresh_shop
    user_id, token = await shop.new_customer()
    product = await shop.new_product(stock=5)
    await shop.add_to_cart(user_id, token, product["id"], 1)
    order = (await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})).json()
    declined = {"payment_method": "pm_card_declined"}
    path = f"/orders/{order['id']}/payment"
    statuses = [
        (await shop.call("order", "POST", path, token, json=declined)).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]
