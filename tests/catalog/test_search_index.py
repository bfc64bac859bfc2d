"""The search and filter indexes (issue 9: migration c7f3e2a91b04) leave the answers as they
were: `q` is a case-insensitive substring of name or description, whatever its characters
(SQLite's FTS5 trigram index only narrows the rows the substring test runs on; needles
shorter than a trigram are found by a scan), edits and deletes show at once (the triggers),
and the migration goes down and up again with the products it finds in place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from ecart.catalog import store
from ecart.catalog.domain import ProductQuery
from ecart.platform import migrations
from ecart.platform.db import Database
from ecart.registry import SERVICES as REGISTRY
from tests.catalog.helpers import create_product
from tests.conftest import Shop, backend

SERVICES = ["users", "inventory", "catalog"]
BEFORE = "9948a90fe494"  # the catalog's revision before the indexes


async def _ids(shop: Shop, **params: Any) -> list[int]:
    response = await shop.call("catalog", "GET", "/products", params=params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()]


def _marker() -> str:
    return "m" + uuid.uuid4().hex[:10]


async def test_substrings_of_name_and_description_of_every_length(shop: Shop) -> None:
    marker = _marker()
    category = f"Idx {marker}"
    in_name = await create_product(
        shop, name=f"Quartz {marker.upper()} Lamp", description="plain", category=category
    )
    in_description = await create_product(
        shop, name="Plain", description=f"a {marker} lamp, ZQ edition", category=category
    )
    other = await create_product(shop, name="Nothing", description="to see", category=category)
    both = sorted([in_name["id"], in_description["id"]])
    assert await _ids(shop, q=marker) == both
    assert await _ids(shop, q=marker.upper()) == both
    assert await _ids(shop, q=marker[3:8].upper()) == both  # from the middle
    assert await _ids(shop, q=f"{marker} lamp") == both  # spans a space
    assert await _ids(shop, q="quartz " + marker) == [in_name["id"]]
    assert await _ids(shop, q=marker + "x") == []
    # 1 and 2 characters: no trigram, a scan (kept within the category: they are common)
    assert await _ids(shop, q="zq", category=category) == [in_description["id"]]
    assert await _ids(shop, q="Q", category=category) == both
    assert await _ids(shop, q="nG", category=category) == [other["id"]]


async def test_search_pages_and_sorts_through_the_index(shop: Shop) -> None:
    marker = _marker()
    made = [
        await create_product(shop, name=f"{marker} item", price=price, description="x")
        for price in ("5", "3", "4", "1", "2")
    ]
    ids = [p["id"] for p in made]
    assert await _ids(shop, q=marker) == ids
    assert await _ids(shop, q=marker, limit=2, skip=1) == ids[1:3]
    assert await _ids(shop, q=marker, sort="price") == [ids[3], ids[4], ids[1], ids[2], ids[0]]
    assert await _ids(shop, q=marker, sort="-price", limit=2, skip=1) == [ids[2], ids[1]]
    assert await _ids(shop, q=marker, min_price=2, max_price=4) == [*ids[1:3], ids[4]]


SPECIAL = [
    '"',
    '""',
    '"""',
    'say "hi"',
    "it's",
    "'; DROP TABLE products; --",
    "100%",
    "%_%",
    "a_b",
    "x*y",
    "*",
    "AND",
    "x AND y",
    "OR NOT",
    "NEAR(a b)",
    "-minus",
    "k:v",
    "name:foo",
    "^caret",
    "(paren)",
    "{brace}",
    "back\\slash",
    "/slash/",
    "+plus",
]


@pytest.mark.parametrize("needle", SPECIAL)
async def test_needles_with_wildcards_quotes_and_fts_syntax(shop: Shop, needle: str) -> None:
    marker = _marker()
    category = f"Sp {marker}"
    wanted = await create_product(
        shop, name=f"{marker} {needle} end", description="plain", category=category
    )
    await create_product(shop, name=f"{marker} plain", description="none", category=category)
    # Alone (the index path when long enough), and within the category (a scan otherwise).
    assert wanted["id"] in await _ids(shop, q=needle, limit=500)
    assert await _ids(shop, q=needle, category=category) == [wanted["id"]]
    assert await _ids(shop, q=f"{marker} {needle.upper()}") == [wanted["id"]]
    assert await _ids(shop, q=f"{needle}{marker}") == []


async def test_edits_and_deletes_show_in_search(shop: Shop) -> None:
    marker = _marker()
    product = await create_product(shop, name=f"Old {marker}a", description="first")
    path = f"/products/{product['id']}"
    assert await _ids(shop, q=f"{marker}a") == [product["id"]]

    renamed = {"name": f"New {marker}b", "description": f"now {marker}c"}
    response = await shop.call("catalog", "PUT", path, shop.admin_token, json=renamed)
    assert response.status_code == 200, response.text
    assert await _ids(shop, q=f"{marker}a") == []
    assert await _ids(shop, q=f"{marker}b") == [product["id"]]
    assert await _ids(shop, q=f"{marker}c") == [product["id"]]

    # A change that leaves name and description alone keeps them found.
    response = await shop.call("catalog", "PUT", path, shop.admin_token, json={"price": 12.5})
    assert response.status_code == 200, response.text
    assert await _ids(shop, q=f"{marker}b") == [product["id"]]

    response = await shop.call("catalog", "DELETE", path, shop.admin_token)
    assert response.status_code == 200, response.text
    assert await _ids(shop, q=f"{marker}b") == []
    assert await _ids(shop, q=f"{marker}c") == []


def _row(name: str, description: str, category: str | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "name": name,
        "description": description,
        "price_cents": 1000,
        "stock": 0,
        "stock_version": 0,
        "category": category,
        "created_at": now,
        "updated_at": now,
    }


NAMES = [
    ("Red Lamp", "A lamp for the desk"),
    ("LAMPSHADE", "fabric"),
    ("Blue chair", 'the "best" chair: 100% oak'),
    ("Ärger kettle", "ÄÖÜ umlauts"),
    ("under_score", "50% off *today*"),
    ("Green desk", "AND OR NOT NEAR"),
    ("tea   pot", "it's a pot"),
]
NEEDLES = [
    "lamp",
    "LAMP",
    "amps",
    "desk",
    "a",
    "la",
    "p f",
    '"best"',
    "100% o",
    "0%",
    "_",
    "r_s",
    "ärger",
    "Ärger",
    "äöü",
    "*today*",
    "and or",
    "near",
    "it's",
    "   ",
    "tea   pot",
    "zeppelin",
]


async def test_the_index_answers_as_the_scan_does(database_url: str) -> None:
    """Every needle, sort and page: the dialect's query (through the index) and the plain
    substring scan return the same rows."""
    db = Database(database_url)
    try:
        await migrations.upgrade(db, REGISTRY["catalog"].migrations_dir)
        async with db.engine.begin() as conn:
            for name, description in NAMES:
                await store.insert_product(conn, _row(name, description))
        async with db.engine.connect() as conn:
            dialect = conn.dialect.name
            for needle in NEEDLES:
                for sort in ("id", "price", "-name"):
                    for skip, limit in ((0, 100), (1, 2)):
                        query = ProductQuery(q=needle, sort=sort, skip=skip, limit=limit)
                        indexed = (await conn.execute(store.search(query, dialect))).all()
                        scanned = (await conn.execute(store.search(query))).all()
                        assert indexed == scanned, (needle, sort, skip)
    finally:
        await db.dispose()


async def _search_ids(db: Database, needle: str, *, at_head: bool = True) -> list[int]:
    """The ids `needle` finds: through the index at head, by the scan below it."""
    async with db.engine.connect() as conn:
        query = ProductQuery(q=needle)
        dialect = conn.dialect.name if at_head else ""
        return [r.id for r in await conn.execute(store.search(query, dialect))]


async def _hand_managed(db: Database) -> set[str]:
    """The names of migration c7f3e2a91b04's objects that the database has."""
    async with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type IN ('table', 'index', 'trigger')"
        else:
            sql = "SELECT indexname FROM pg_indexes WHERE tablename = 'products'"
        names = {str(name) for name in (await conn.execute(text(sql))).scalars()}
    return {n for n in names if n in store.HAND_MANAGED or n.startswith("products_fts")}


async def test_migration_goes_down_and_up_with_products_in_place(database_url: str) -> None:
    spec = REGISTRY["catalog"]
    db = Database(database_url)
    sqlite = not backend().is_postgres
    expected = (
        {
            "ix_products_category_lower",
            "products_fts",
            "products_fts_config",
            "products_fts_data",
            "products_fts_docsize",
            "products_fts_idx",
            "products_fts_insert",
            "products_fts_update",
            "products_fts_delete",
        }
        if sqlite
        else {"ix_products_category_lower", "ix_products_name_trgm", "ix_products_description_trgm"}
    )
    try:
        await migrations.upgrade(db, spec.migrations_dir, BEFORE)
        async with db.engine.begin() as conn:
            first = await store.insert_product(conn, _row("Existing zebra lamp", "old", "Cat"))
        await migrations.upgrade(db, spec.migrations_dir)
        assert await _hand_managed(db) == expected
        assert await _search_ids(db, "zebra") == [first.id]  # indexed when the index came

        await migrations.downgrade(db, spec.migrations_dir, BEFORE)
        assert await _hand_managed(db) == set()
        async with db.engine.begin() as conn:
            second = await store.insert_product(conn, _row("Second zebra", "new", "cat"))
        assert await _search_ids(db, "zebra", at_head=False) == [first.id, second.id]

        await migrations.upgrade(db, spec.migrations_dir)
        assert await _hand_managed(db) == expected
        assert await _search_ids(db, "zebra") == [first.id, second.id]
        async with db.engine.connect() as conn:
            found = await store.list_products(conn, ProductQuery(category="CAT"))
        assert [r.id for r in found] == [first.id, second.id]
    finally:
        await db.dispose()
