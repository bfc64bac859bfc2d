"""The cart without catalog and inventory: what needs them answers 503, never 500."""

from __future__ import annotations

from typing import cast

from ecart.cart import store
from ecart.platform.events import utcnow
from ecart.platform.http.app import ServiceContext
from tests.conftest import Shop

SERVICES = ["users", "cart"]


async def test_empty_cart_needs_no_catalog(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    response = await shop.call("cart", "GET", f"/cart/{user_id}", token)
    assert response.status_code == 200
    assert response.json() == {"user_id": user_id, "items": [], "total": 0}


async def test_catalog_down_is_503(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    ctx = cast(ServiceContext, shop.platform.apps["cart"].state.ctx)
    async with ctx.unit_of_work() as uow:
        await store.insert_line(uow.conn, user_id, 1, 2, utcnow())
    response = await shop.call("cart", "GET", f"/cart/{user_id}", token)
    assert response.status_code == 503
    assert response.json() == {"detail": "catalog service unavailable"}
    body = {"product_id": 1, "quantity": 1}
    response = await shop.call("cart", "POST", f"/cart/{user_id}/items", token, json=body)
    assert response.status_code == 503
    response = await shop.call("cart", "DELETE", f"/cart/{user_id}", token)
    assert response.status_code == 200
