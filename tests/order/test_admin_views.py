"""What the admin dashboard and orders page read: `GET /orders/stats` and `GET /orders?status=`."""

from __future__ import annotations

from decimal import Decimal

from ecart.order.domain import Status
from ecart.order.stats import StatusFigures, summarize
from tests.conftest import Shop

SUCCESS = {"payment_method": "pm_card_success"}


async def _order(shop: Shop, user_id: str, token: str, price: float, quantity: int = 1) -> int:
    product = await shop.new_product(price=price, stock=10)
    await shop.add_to_cart(user_id, token, product["id"], quantity)
    response = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _move(shop: Shop, order_id: int, status: str) -> None:
    response = await shop.call(
        "order", "PUT", f"/orders/{order_id}/status", shop.admin_token, json={"status": status}
    )
    assert response.status_code == 200, response.text


def test_summary_counts_every_status_and_only_collected_money() -> None:
    figures = [
        StatusFigures(Status.PAID, 2, 3000, 1, 1000),
        StatusFigures(Status.SHIPPED, 1, 1001, 0, 0),
        StatusFigures(Status.PENDING, 4, 9999, 4, 9999),
        StatusFigures(Status.REFUNDED, 1, 5000, 1, 5000),
    ]
    summary = summarize(figures)
    assert summary.orders == 8
    assert summary.paid_orders == 3
    assert summary.revenue == Decimal("40.01")
    assert summary.average_order_value == Decimal("13.34")  # 40.01 / 3, half up
    assert summary.orders_last_24h == 6
    assert summary.revenue_last_24h == Decimal("10.00")
    assert list(summary.by_status) == list(Status)
    assert summary.by_status[Status.CANCELLED] == 0
    assert summary.by_status[Status.PENDING] == 4


def test_summary_of_no_orders_is_zero() -> None:
    summary = summarize([])
    assert summary.orders == summary.paid_orders == 0
    assert summary.average_order_value == Decimal("0.00")


async def test_stats_follow_checkout_payment_and_refund(fresh_shop: Shop) -> None:
    shop = fresh_shop
    user_id, token = await shop.new_customer()
    empty = await shop.call("order", "GET", "/orders/stats", shop.admin_token)
    assert empty.status_code == 200, empty.text
    assert empty.json()["orders"] == 0
    assert empty.json()["revenue"] == 0

    paid = await _order(shop, user_id, token, 20.25, quantity=2)  # 40.5
    shipped = await _order(shop, user_id, token, 9.5)
    refunded = await _order(shop, user_id, token, 100)
    await _order(shop, user_id, token, 7)  # stays pending
    for order_id in (paid, shipped, refunded):
        response = await shop.call(
            "order", "POST", f"/orders/{order_id}/payment", token, json=SUCCESS
        )
        assert response.status_code == 200, response.text
    await _move(shop, shipped, "processing")
    await _move(shop, shipped, "shipped")
    cancel = await shop.call("order", "POST", f"/orders/{refunded}/cancel", shop.admin_token)
    assert cancel.json()["status"] == "refunded"

    stats = (await shop.call("order", "GET", "/orders/stats", shop.admin_token)).json()
    assert stats["orders"] == 4
    assert stats["paid_orders"] == 2
    assert stats["revenue"] == 50  # 40.5 + 9.5; the refunded order is not revenue
    assert stats["average_order_value"] == 25
    assert stats["orders_last_24h"] == 4
    assert stats["revenue_last_24h"] == 50
    counts = {row["status"]: row["count"] for row in stats["by_status"]}
    assert [row["status"] for row in stats["by_status"]] == [str(s) for s in Status]
    assert counts == {
        "pending": 1,
        "confirmed": 0,
        "paid": 1,
        "processing": 0,
        "shipped": 1,
        "delivered": 0,
        "cancelled": 0,
        "refunded": 1,
    }


async def test_orders_filtered_by_status_newest_first(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    first = await _order(shop, user_id, token, 5)
    second = await _order(shop, user_id, token, 6)
    third = await _order(shop, user_id, token, 7)
    await shop.call("order", "POST", f"/orders/{second}/cancel", token)

    pending = await shop.call(
        "order", "GET", "/orders", shop.admin_token, params={"status": "pending", "limit": 500}
    )
    assert pending.status_code == 200
    ids = [o["id"] for o in pending.json()]
    assert {o["status"] for o in pending.json()} == {"pending"}
    assert ids.index(third) < ids.index(first)
    assert second not in ids
    cancelled = await shop.call(
        "order", "GET", "/orders", shop.admin_token, params={"status": "cancelled"}
    )
    assert second in [o["id"] for o in cancelled.json()]
    unknown = await shop.call("order", "GET", "/orders", shop.admin_token, params={"status": "x"})
    assert unknown.status_code == 422


async def test_only_admins_read_the_stats(shop: Shop) -> None:
    _, token = await shop.new_customer()
    assert (await shop.call("order", "GET", "/orders/stats", token)).status_code == 403
    assert (await shop.call("order", "GET", "/orders/stats")).status_code == 401
