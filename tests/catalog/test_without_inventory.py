from __future__ import annotations

from ecart.catalog.seed import seed_when_ready
from tests.conftest import Shop

SERVICES = ["users", "catalog"]  # inventory is down


async def test_create_with_inventory_down_is_503_and_leaves_nothing(shop: Shop) -> None:
    body = {"name": "Orphan", "price": 5, "stock": 3}
    response = await shop.call("catalog", "POST", "/products", shop.admin_token, json=body)
    assert response.status_code == 503
    assert response.json() == {"detail": "inventory service unavailable"}
    listed = await shop.call("catalog", "GET", "/products")
    assert listed.json() == []


async def test_startup_seed_gives_up_when_inventory_never_answers(shop: Shop) -> None:
    ctx = shop.platform.apps["catalog"].state.ctx
    assert await seed_when_ready(ctx, timeout_seconds=0.1) == 0
    assert (await shop.call("catalog", "GET", "/products")).json() == []
