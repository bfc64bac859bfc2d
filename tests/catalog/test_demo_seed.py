from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecart import cli
from ecart.catalog.seed import DEMO_PRODUCTS, seed_demo_catalog
from tests.conftest import Shop, _start_shop

SERVICES = ["users", "inventory", "catalog"]


async def test_seed_fills_an_empty_catalog_once(fresh_shop: Shop) -> None:
    ctx = fresh_shop.platform.apps["catalog"].state.ctx

    created = await seed_demo_catalog(ctx)

    assert created == len(DEMO_PRODUCTS) >= 16
    products = (await fresh_shop.call("catalog", "GET", "/products", params={"limit": 500})).json()
    assert len(products) == created
    laptop = next(p for p in products if p["name"] == "Laptop")
    assert (laptop["price"], laptop["description"], laptop["category"]) == (
        999.99,
        "High-performance laptop",
        "Electronics",
    )
    electronics = {p["name"]: p["price"] for p in products if p["category"] == "Electronics"}
    assert {"Mouse": 29.99, "Keyboard": 79.99, "Monitor": 399.99}.items() <= electronics.items()
    categories = (await fresh_shop.call("catalog", "GET", "/categories")).json()
    assert len(categories) >= 4
    ids = ",".join(str(p["id"]) for p in products)
    levels = (
        await fresh_shop.call("inventory", "GET", "/stock", params={"product_ids": ids})
    ).json()
    assert {s["product_id"]: s["available"] for s in levels} == {
        p["id"]: p["stock"] for p in products
    }
    assert all(p["stock"] > 0 for p in products)

    assert await seed_demo_catalog(ctx) == 0  # not empty any more


async def test_seed_leaves_a_catalog_with_products_alone(fresh_shop: Shop) -> None:
    body = {"name": "Mine", "price": 1}
    await fresh_shop.call("catalog", "POST", "/products", fresh_shop.admin_token, json=body)
    assert await seed_demo_catalog(fresh_shop.platform.apps["catalog"].state.ctx) == 0


async def test_startup_seeds_in_the_background(tmp_path: Path) -> None:
    overrides = {"catalog": {"seed_demo_data": True}}
    async for shop in _start_shop(tmp_path, services=SERVICES, overrides=overrides):
        ctx = shop.platform.apps["catalog"].state.ctx
        assert await ctx.state["demo_seed"] == len(DEMO_PRODUCTS)
        products = (await shop.call("catalog", "GET", "/products")).json()
        assert len(products) == len(DEMO_PRODUCTS)
        assert await seed_demo_catalog(ctx) == 0  # seeding twice adds nothing


def test_ecart_seed_command_seeds_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECART_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    first = runner.invoke(cli.app, ["seed"])
    assert first.exit_code == 0, first.output
    assert f"seeded {len(DEMO_PRODUCTS)} products" in first.output
    second = runner.invoke(cli.app, ["seed"])
    assert "seeded 0 products" in second.output
