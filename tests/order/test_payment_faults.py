"""The payment service down or slow (fault injected into the transport between the order
and payment services): no charge without an order, no order paid without a successful
charge, and the outcome is reconciled from the payment service, never guessed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx

from ecart.order.payment_flow import reconcile_once
from tests.conftest import Shop

OVERRIDES = {
    "order": {
        "reconcile_interval_seconds": 3600,  # the tests reconcile by hand
        "reconcile_grace_seconds": 0,
        "http_retries": 2,
        "breaker_failure_threshold": 100,
    }
}
SUCCESS = {"payment_method": "pm_card_success"}


class FaultyLink(httpx.AsyncBaseTransport):
    """Between the order and payment services: `down` refuses connections; `lose_answers`
    delivers POSTs (the charge happens) but loses the answer, like a timeout."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.mode: str | None = None
        self.delivered = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.mode == "down":
            raise httpx.ConnectError("payment service down", request=request)
        response = await self.inner.handle_async_request(request)
        if self.mode == "lose_answers" and request.method == "POST":
            self.delivered += 1
            await response.aread()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


@contextmanager
def payment_link(shop: Shop) -> Iterator[FaultyLink]:
    transport = shop.platform.transport
    assert transport is not None
    url = httpx.URL(shop.platform.settings["payment"].url_of("payment"))
    route = (url.host, url.port or 80)
    link = FaultyLink(transport.routes[route])
    transport.routes[route] = link  # type: ignore[assignment]
    try:
        yield link
    finally:
        transport.routes[route] = link.inner  # type: ignore[assignment]


async def _pending_order(shop: Shop) -> tuple[str, dict[str, Any]]:
    user_id, token = await shop.new_customer()
    product = await shop.new_product(price=30, stock=5)
    await shop.add_to_cart(user_id, token, product["id"], 1)
    order = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
    return token, order.json()


async def _payments_of(shop: Shop, order_id: int) -> list[dict[str, Any]]:
    ctx = shop.platform.apps["payment"].state.ctx
    from sqlalchemy import select

    from ecart.payment.store import payments

    async with ctx.db.read() as conn:
        rows = (await conn.execute(select(payments).where(payments.c.order_id == order_id))).all()
    return [dict(row._mapping) for row in rows]


async def _reconcile(shop: Shop) -> int:
    return await reconcile_once(shop.platform.apps["order"].state.ctx, timedelta(0))


async def test_payment_service_down_charges_nothing_and_leaves_the_order_payable(
    fresh_shop: Shop,
) -> None:
    token, order = await _pending_order(fresh_shop)
    with payment_link(fresh_shop) as link:
        link.mode = "down"
        response = await fresh_shop.call(
            "order", "POST", f"/orders/{order['id']}/payment", token, json=SUCCESS
        )
    assert response.status_code == 503
    assert "reconciled" in response.json()["detail"]
    assert await _payments_of(fresh_shop, order["id"]) == []
    assert await _reconcile(fresh_shop) == 1  # settled: no charge was ever made
    current = await fresh_shop.call("order", "GET", f"/orders/{order['id']}", token)
    assert current.json()["status"] == "pending"
    paid = await fresh_shop.call(
        "order", "POST", f"/orders/{order['id']}/payment", token, json=SUCCESS
    )
    assert paid.json()["status"] == "paid"


async def test_lost_answer_is_reconciled_into_a_paid_order_with_one_charge(
    fresh_shop: Shop,
) -> None:
    token, order = await _pending_order(fresh_shop)
    with payment_link(fresh_shop) as link:
        link.mode = "lose_answers"
        response = await fresh_shop.call(
            "order", "POST", f"/orders/{order['id']}/payment", token, json=SUCCESS
        )
        assert response.status_code == 503
        assert link.delivered == 2  # the charge was retried with its attempt key...
    charges = await _payments_of(fresh_shop, order["id"])
    assert len(charges) == 1  # ...and made once
    pending = await fresh_shop.call("order", "GET", f"/orders/{order['id']}", token)
    assert pending.json()["status"] == "pending"  # never paid on a guess

    assert await _reconcile(fresh_shop) == 1
    paid = await fresh_shop.call("order", "GET", f"/orders/{order['id']}", token)
    assert paid.json()["status"] == "paid"
    assert paid.json()["payment_id"] == charges[0]["id"]
    assert await _reconcile(fresh_shop) == 0


async def test_retry_with_the_same_key_after_a_lost_answer_settles_the_same_charge(
    fresh_shop: Shop,
) -> None:
    token, order = await _pending_order(fresh_shop)
    headers = {"Idempotency-Key": "pay-once-please"}
    path = f"/orders/{order['id']}/payment"
    with payment_link(fresh_shop) as link:
        link.mode = "lose_answers"
        lost = await fresh_shop.call("order", "POST", path, token, json=SUCCESS, headers=headers)
    assert lost.status_code == 503
    retry = await fresh_shop.call("order", "POST", path, token, json=SUCCESS, headers=headers)
    assert retry.status_code == 200, retry.text
    assert retry.json()["status"] == "paid"
    assert len(await _payments_of(fresh_shop, order["id"])) == 1
    replay = await fresh_shop.call("order", "POST", path, token, json=SUCCESS, headers=headers)
    assert replay.json() == retry.json()
    assert replay.headers["idempotent-replayed"] == "true"


async def test_a_charge_whose_order_expired_meanwhile_is_refunded(fresh_shop: Shop) -> None:
    token, order = await _pending_order(fresh_shop)
    with payment_link(fresh_shop) as link:
        link.mode = "lose_answers"
        await fresh_shop.call(
            "order", "POST", f"/orders/{order['id']}/payment", token, json=SUCCESS
        )
    cancelled = await fresh_shop.call("order", "POST", f"/orders/{order['id']}/cancel", token)
    assert cancelled.json()["status"] == "cancelled"
    await _reconcile(fresh_shop)
    (charge,) = await _payments_of(fresh_shop, order["id"])
    assert charge["status"] == "refunded"
    final = await fresh_shop.call("order", "GET", f"/orders/{order['id']}", token)
    assert final.json()["status"] == "cancelled"
