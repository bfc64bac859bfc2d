"""Helpers shared by the inventory tests."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx

from tests.conftest import Shop

_product_ids = itertools.count(1000)


def new_product_id() -> int:
    return next(_product_ids)


def new_reservation_id() -> str:
    return f"res-{uuid.uuid4()}"


async def set_stock(shop: Shop, product_id: int, available: int) -> dict[str, Any]:
    response = await shop.call(
        "inventory", "PUT", f"/stock/{product_id}", shop.admin_token, json={"available": available}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def stock_of(shop: Shop, product_id: int) -> dict[str, Any]:
    response = await shop.call("inventory", "GET", f"/stock/{product_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def reserve(
    shop: Shop,
    token: str,
    lines: list[tuple[int, int]],
    reservation_id: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {
        "reservation_id": reservation_id or new_reservation_id(),
        "lines": [{"product_id": p, "quantity": q} for p, q in lines],
        **extra,
    }
    return await shop.call("inventory", "POST", "/reservations", token, json=body)


async def act(shop: Shop, token: str, reservation_id: str, action: str) -> httpx.Response:
    return await shop.call("inventory", "POST", f"/reservations/{reservation_id}/{action}", token)
