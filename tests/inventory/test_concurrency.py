from __future__ import annotations

import asyncio

from tests.conftest import Shop
from tests.inventory.helpers import new_product_id, reserve, set_stock, stock_of

SERVICES = ["users", "inventory"]


async def test_a_hot_sku_never_oversells(shop: Shop) -> None:
    token = await shop.service_token("inventory")
    hot = new_product_id()
    await set_stock(shop, hot, 10)

    results = await asyncio.gather(*(reserve(shop, token, [(hot, 1)]) for _ in range(50)))

    codes = [r.status_code for r in results]
    assert codes.count(201) == 10
    assert codes.count(409) == 40
    level = await stock_of(shop, hot)
    assert (level["available"], level["reserved"]) == (0, 10)


async def test_concurrent_multi_line_reservations_stay_consistent(shop: Shop) -> None:
    token = await shop.service_token("inventory")
    a, b = new_product_id(), new_product_id()
    await set_stock(shop, a, 7)
    await set_stock(shop, b, 20)

    # Opposite line orders must not deadlock; every reservation takes 1 of a and 2 of b.
    results = await asyncio.gather(
        *(reserve(shop, token, [(a, 1), (b, 2)] if i % 2 else [(b, 2), (a, 1)]) for i in range(30))
    )

    won = sum(r.status_code == 201 for r in results)
    assert won == 7
    level_a, level_b = await stock_of(shop, a), await stock_of(shop, b)
    assert (level_a["available"], level_a["reserved"]) == (0, 7)
    assert (level_b["available"], level_b["reserved"]) == (20 - 2 * won, 2 * won)


async def test_same_id_concurrently_reserves_once(shop: Shop) -> None:
    token = await shop.service_token("inventory")
    a = new_product_id()
    await set_stock(shop, a, 100)
    results = await asyncio.gather(*(reserve(shop, token, [(a, 3)], "res-race") for _ in range(20)))
    assert sorted(r.status_code for r in results) == [200] * 19 + [201]
    assert (await stock_of(shop, a))["reserved"] == 3
