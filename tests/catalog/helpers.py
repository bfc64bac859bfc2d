"""Helpers shared by the catalog tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import Shop


async def create_product(shop: Shop, **fields: Any) -> dict[str, Any]:
    body = {"name": "Widget", "price": 10, "description": "A widget", **fields}
    response = await shop.call("catalog", "POST", "/products", shop.admin_token, json=body)
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


async def get_product(shop: Shop, product_id: int) -> dict[str, Any]:
    response = await shop.call("catalog", "GET", f"/products/{product_id}")
    assert response.status_code == 200, response.text
    product: dict[str, Any] = response.json()
    return product
