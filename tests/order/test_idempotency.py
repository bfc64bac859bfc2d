"""Idempotency-Key on POST /orders and POST /orders/{id}/payment (Stripe's semantics)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Shop

OVERRIDES = {"order": {"checkout_rate_limit": "3/minute"}}


async def _cart(shop: Shop, stock: int = 10) -> tuple[str, str, dict[str, Any]]:
    user_id, token = await shop.new_customer()
    product = await shop.new_product(price=12.5, stock=stock)
    await shop.add_to_cart(user_id, token, product["id"], 2)
    return user_id, token, product


async def _orders_of(shop: Shop, user_id: str, token: str) -> list[dict[str, object]]:
    response = await shop.call("order", "GET", f"/orders/user/{user_id}", token)
    orders: list[dict[str, object]] = response.json()
    return orders


async def test_a_retry_replays_the_first_response_and_makes_one_order(fresh_shop: Shop) -> None:
    shop = fresh_shop
    user_id, token, product = await _cart(shop)
    headers = {"Idempotency-Key": "checkout-1"}
    first = await shop.call(
        "order", "POST", "/orders", token, json={"user_id": user_id}, headers=headers
    )
    again = await shop.call(
        "order", "POST", "/orders", token, json={"user_id": user_id}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(await _orders_of(shop, user_id, token)) == 1
    assert await shop.stock(int(product["id"])) == 8  # reserved once


async def test_same_key_with_a_different_request_is_422(fresh_shop: Shop) -> None:
    shop = fresh_shop
    alice, alice_token, _ = await _cart(shop)
    bob, _, _ = await _cart(shop)
    headers = {"Idempotency-Key": "admin-checkout"}
    first = await shop.call(
        "order", "POST", "/orders", shop.admin_token, json={"user_id": alice}, headers=headers
    )
    assert first.status_code == 201
    reused = await shop.call(
        "order", "POST", "/orders", shop.admin_token, json={"user_id": bob}, headers=headers
    )
    assert reused.status_code == 422
    assert "different request" in reused.json()["detail"]
    # Keys are scoped to the caller: Alice's own "admin-checkout" is another key.
    order_id = first.json()["id"]
    path = f"/orders/{order_id}/payment"
    pay = {"Idempotency-Key": "pay-x"}
    declined = await shop.call(
        "order", "POST", path, alice_token, json={"payment_method": "pm_card_declined"}, headers=pay
    )
    other_method = await shop.call(
        "order", "POST", path, alice_token, json={"payment_method": "pm_card_success"}, headers=pay
    )
    assert declined.status_code == 400
    assert other_method.status_code == 422


async def test_concurrent_duplicates_make_exactly_one_order(fresh_shop: Shop) -> None:
    shop = fresh_shop
    user_id, token, product = await _cart(shop)
    headers = {"Idempotency-Key": "double-click"}
    responses = await asyncio.gather(
        *(
            shop.call("order", "POST", "/orders", token, json={"user_id": user_id}, headers=headers)
            for _ in range(8)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert len(await _orders_of(shop, user_id, token)) == 1
    assert await shop.stock(int(product["id"])) == 8


async def test_replays_do_not_count_against_the_checkout_throttle(fresh_shop: Shop) -> None:
    shop = fresh_shop
    user_id, token, product = await _cart(shop, stock=50)
    headers = {"Idempotency-Key": "replayed-often"}
    for _ in range(6):
        replay = await shop.call(
            "order", "POST", "/orders", token, json={"user_id": user_id}, headers=headers
        )
        assert replay.status_code == 201
    for n in range(2):  # the throttle (3/minute) has counted one checkout so far
        await shop.add_to_cart(user_id, token, int(product["id"]), 1)
        fresh = await shop.call(
            "order",
            "POST",
            "/orders",
            token,
            json={"user_id": user_id},
            headers={"Idempotency-Key": f"new-{n}"},
        )
        assert fresh.status_code == 201, fresh.text


async def test_a_paid_retry_is_never_charged_twice(fresh_shop: Shop) -> None:
    shop = fresh_shop
    user_id, token, _ = await _cart(shop)
    order = (await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})).json()
    headers = {"Idempotency-Key": "pay-1"}
    body = {"payment_method": "pm_card_success"}
    path = f"/orders/{order['id']}/payment"
    first, second = [
        await shop.call("order", "POST", path, token, json=body, headers=headers) for _ in range(2)
    ]
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    payment = await shop.call("payment", "GET", f"/payments/order/{order['id']}", token)
    assert payment.json()["id"] == first.json()["payment_id"]


async def test_bad_keys_are_400(fresh_shop: Shop) -> None:
    user_id, token, _ = await _cart(fresh_shop)
    response = await fresh_shop.call(
        "order",
        "POST",
        "/orders",
        token,
        json={"user_id": user_id},
        headers={"Idempotency-Key": "x" * 300},
    )
    assert response.status_code == 422
