"""Orders through the real services: checkout, payment, the state machine, cancel, expiry."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Shop, eventually

SUCCESS = {"payment_method": "pm_card_success"}
DECLINED = {"payment_method": "pm_card_declined"}


async def _order(shop: Shop, *, price: float = 25.5, stock: int = 10, quantity: int = 2):
    user_id, token = await shop.new_customer()
    product = await shop.new_product(price=price, stock=stock)
    await shop.add_to_cart(user_id, token, product["id"], quantity)
    response = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
    assert response.status_code == 201, response.text
    return user_id, token, product, response.json()


async def test_checkout_reserves_stock_snapshots_prices_and_empties_the_cart(shop: Shop) -> None:
    user_id, token, product, order = await _order(shop, price=25.5, stock=10, quantity=2)
    assert order["status"] == "pending"
    assert order["user_id"] == user_id
    assert order["total_amount"] == 51
    assert order["items"] == [
        {"product_id": product["id"], "product_name": product["name"], "quantity": 2, "price": 25.5}
    ]
    assert order["payment_id"] is None
    # Synchronous effects: stock reserved and cart empty when POST /orders returns.
    assert await shop.stock(product["id"]) == 8
    cart = (await shop.call("cart", "GET", f"/cart/{user_id}", token)).json()
    assert cart["items"] == []
    assert cart["total"] == 0

    async def catalog_caught_up() -> bool:
        return await shop.catalog_stock(product["id"]) == 8

    await eventually(catalog_caught_up, within=1.0)


async def test_order_events_carry_the_seed_envelope(shop: Shop) -> None:
    _, _, _, order = await _order(shop)

    async def published() -> bool:
        return any(m.key == str(order["id"]) for m in shop.messages("order-events"))

    await eventually(published)

    message = next(m for m in shop.messages("order-events") if m.key == str(order["id"]))
    envelope = json.loads(message.value)
    assert envelope["event_type"] == "order_created"
    assert set(envelope) >= {"event_id", "event_type", "timestamp", "data", "version"}
    assert envelope["data"]["order_id"] == order["id"]


async def test_empty_or_absent_cart_is_400(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    response = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
    assert response.status_code == 400
    assert response.json() == {"detail": "Cart is empty"}


async def test_out_of_stock_at_checkout_is_409_and_reserves_nothing(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    plenty = await shop.new_product(stock=5)
    scarce = await shop.new_product(stock=3)
    await shop.add_to_cart(user_id, token, plenty["id"], 2)
    await shop.add_to_cart(user_id, token, scarce["id"], 3)
    # Someone else buys the scarce stock first.
    other_id, other_token = await shop.new_customer()
    await shop.add_to_cart(other_id, other_token, scarce["id"], 2)
    first = await shop.call("order", "POST", "/orders", other_token, json={"user_id": other_id})
    assert first.status_code == 201
    response = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
    assert response.status_code == 409
    assert "Insufficient stock" in response.json()["detail"]
    assert await shop.stock(plenty["id"]) == 5  # all or nothing
    cart = (await shop.call("cart", "GET", f"/cart/{user_id}", token)).json()
    assert len(cart["items"]) == 2  # the cart is kept


async def test_pay_success_then_fulfil(shop: Shop) -> None:
    _, token, product, order = await _order(shop)
    paid = await shop.call("order", "POST", f"/orders/{order['id']}/payment", token, json=SUCCESS)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    payment_id = paid.json()["payment_id"]
    payment = await shop.call("payment", "GET", f"/payments/order/{order['id']}", token)
    assert payment.json()["id"] == payment_id
    assert payment.json()["amount"] == order["total_amount"]
    again = await shop.call("order", "POST", f"/orders/{order['id']}/payment", token, json=SUCCESS)
    assert again.status_code == 400
    assert again.json() == {"detail": "Order is not in pending status"}
    for status in ("processing", "shipped", "delivered"):
        moved = await shop.call(
            "order",
            "PUT",
            f"/orders/{order['id']}/status",
            shop.admin_token,
            json={"status": status},
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == status
    reservation = await shop.stock(product["id"])
    assert reservation == 8  # committed: the stock is gone for good


async def test_payment_without_a_method_uses_the_simulated_provider(shop: Shop) -> None:
    _, token, _, order = await _order(shop)
    response = await shop.call("order", "POST", f"/orders/{order['id']}/payment", token)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json() == {"detail": "Payment failed"}


async def test_declined_payment_keeps_the_order_payable(shop: Shop) -> None:
    _, token, _, order = await _order(shop)
    declined = await shop.call(
        "order", "POST", f"/orders/{order['id']}/payment", token, json=DECLINED
    )
    assert declined.status_code == 400
    assert declined.json() == {"detail": "Payment failed"}
    current = await shop.call("order", "GET", f"/orders/{order['id']}", token)
    assert current.json()["status"] == "pending"
    retry = await shop.call("order", "POST", f"/orders/{order['id']}/payment", token, json=SUCCESS)
    assert retry.status_code == 200
    assert retry.json()["status"] == "paid"


async def test_paid_cannot_be_set_by_hand(shop: Shop) -> None:
    _, _, _, order = await _order(shop)
    response = await shop.call(
        "order", "PUT", f"/orders/{order['id']}/status", shop.admin_token, json={"status": "paid"}
    )
    assert response.status_code == 409
    assert "allowed: confirmed, cancelled" in response.json()["detail"]


async def test_illegal_move_is_409_listing_allowed_moves(shop: Shop) -> None:
    _, _, _, order = await _order(shop)
    response = await shop.call(
        "order",
        "PUT",
        f"/orders/{order['id']}/status",
        shop.admin_token,
        json={"status": "shipped"},
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Cannot change order status from pending to shipped; allowed: confirmed, cancelled"
    )


async def test_unknown_status_is_422(shop: Shop) -> None:
    _, _, _, order = await _order(shop)
    response = await shop.call(
        "order", "PUT", f"/orders/{order['id']}/status", shop.admin_token, json={"status": "lost"}
    )
    assert response.status_code == 422


async def test_owner_cancel_releases_stock(shop: Shop) -> None:
    _, token, product, order = await _order(shop, stock=10, quantity=3)
    assert await shop.stock(product["id"]) == 7
    response = await shop.call("order", "POST", f"/orders/{order['id']}/cancel", token)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert await shop.stock(product["id"]) == 10

    async def catalog_caught_up() -> bool:
        return await shop.catalog_stock(product["id"]) == 10

    await eventually(catalog_caught_up, within=1.0)
    pay = await shop.call("order", "POST", f"/orders/{order['id']}/payment", token, json=SUCCESS)
    assert pay.status_code == 400


async def test_customer_cannot_move_orders_along(shop: Shop) -> None:
    _, token, _, order = await _order(shop)
    response = await shop.call(
        "order", "PUT", f"/orders/{order['id']}/status", token, json={"status": "confirmed"}
    )
    assert response.status_code == 403


async def test_admin_cancel_after_payment_refunds_and_restocks(shop: Shop) -> None:
    _, token, product, order = await _order(shop, stock=10, quantity=2)
    await shop.call("order", "POST", f"/orders/{order['id']}/payment", token, json=SUCCESS)
    customer_cancel = await shop.call("order", "POST", f"/orders/{order['id']}/cancel", token)
    assert customer_cancel.status_code == 409
    assert "allowed: none" in customer_cancel.json()["detail"]
    refunded = await shop.call("order", "POST", f"/orders/{order['id']}/cancel", shop.admin_token)
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "refunded"
    assert await shop.stock(product["id"]) == 10
    payment = await shop.call("payment", "GET", f"/payments/order/{order['id']}", token)
    assert payment.json()["status"] == "refunded"


async def test_listing_is_newest_first_and_private(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    product = await shop.new_product(stock=10)
    ids = []
    for _ in range(3):
        await shop.add_to_cart(user_id, token, product["id"], 1)
        created = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
        ids.append(created.json()["id"])
    mine = await shop.call("order", "GET", f"/orders/user/{user_id}", token)
    assert [o["id"] for o in mine.json()] == ids[::-1]
    all_orders = await shop.call("order", "GET", "/orders", shop.admin_token)
    listed = [o["id"] for o in all_orders.json()]
    assert listed.index(ids[2]) < listed.index(ids[1]) < listed.index(ids[0])

    _, other_token = await shop.new_customer()
    assert (
        await shop.call("order", "GET", f"/orders/user/{user_id}", other_token)
    ).status_code == 403
    assert (await shop.call("order", "GET", f"/orders/{ids[0]}", other_token)).status_code == 404
    assert (await shop.call("order", "GET", "/orders", other_token)).status_code == 403
    assert (await shop.call("order", "GET", "/orders")).status_code == 401
    paying = await shop.call(
        "order", "POST", f"/orders/{ids[0]}/payment", other_token, json=SUCCESS
    )
    assert paying.status_code == 404
    for_other = await shop.call("order", "POST", "/orders", other_token, json={"user_id": user_id})
    assert for_other.status_code == 403


@pytest.mark.parametrize(
    "body",
    [{}, {"user_id": ""}, {"user_id": 12}, {"user_id": "x" * 65}],
)
async def test_bad_order_bodies_are_4xx(shop: Shop, body: dict[str, object]) -> None:
    _, token = await shop.new_customer()
    response = await shop.call("order", "POST", "/orders", token, json=body)
    assert response.status_code in (403, 422)
    assert response.json()["detail"]


async def test_unknown_and_malformed_ids(shop: Shop) -> None:
    assert (await shop.call("order", "GET", "/orders/999999", shop.admin_token)).status_code == 404
    assert (await shop.call("order", "GET", "/orders/abc", shop.admin_token)).status_code == 422
    assert (await shop.call("order", "GET", "/orders/-1", shop.admin_token)).status_code == 422
    bad_method = await shop.call(
        "order", "POST", "/orders/999999/payment", shop.admin_token, json={"payment_method": 5}
    )
    assert bad_method.status_code == 422


async def test_client_sent_prices_and_unknown_fields_are_ignored(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    product = await shop.new_product(price=120, stock=5)
    await shop.add_to_cart(user_id, token, product["id"], 2)
    body = {
        "user_id": user_id,
        "total_amount": 0.01,
        "items": [{"product_id": product["id"], "quantity": 2, "price": 0.01}],
        "status": "paid",
        "coupon": "FREE",
    }
    response = await shop.call("order", "POST", "/orders", token, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["total_amount"] == 240
    assert response.json()["status"] == "pending"
