"""One charge per attempt key: a retried `POST /payments` never charges twice."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import Shop

SERVICES = ["users", "payment"]
BODY = {"order_id": 31, "amount": 42.5, "user_id": "9", "payment_method": "pm_card_success"}


async def _charge(shop: Shop, key: str, **changes: object) -> httpx.Response:
    token = await shop.service_token("payment")
    return await shop.call(
        "payment",
        "POST",
        "/payments",
        token,
        json={**BODY, **changes},
        headers={"Idempotency-Key": key},
    )


async def test_a_retry_with_the_same_key_returns_the_first_payment(shop: Shop) -> None:
    first = await _charge(shop, "order-31-attempt-1")
    again = await _charge(shop, "order-31-attempt-1")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["attempt_key"] == "order-31-attempt-1"


async def test_concurrent_retries_charge_once(shop: Shop) -> None:
    responses = await asyncio.gather(*(_charge(shop, "order-31-attempt-2") for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json()["id"] for r in responses}) == 1


async def test_the_same_key_for_another_charge_is_422(shop: Shop) -> None:
    assert (await _charge(shop, "order-31-attempt-3")).status_code == 201
    other = await _charge(shop, "order-31-attempt-3", amount=43)
    assert other.status_code == 422
    assert "different charge" in other.json()["detail"]


async def test_payment_of_an_attempt_can_be_looked_up(shop: Shop) -> None:
    first = await _charge(shop, "order-31-attempt-4", order_id=32)
    await _charge(shop, "order-31-attempt-5", order_id=32)
    token = await shop.service_token("payment")
    found = await shop.call(
        "payment", "GET", "/payments/order/32", token, params={"attempt_key": "order-31-attempt-4"}
    )
    assert found.json()["id"] == first.json()["id"]
    missing = await shop.call(
        "payment", "GET", "/payments/order/32", token, params={"attempt_key": "never-sent"}
    )
    assert missing.status_code == 404
