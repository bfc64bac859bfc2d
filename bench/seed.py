"""Bulk catalog seeding for the scale run: rows go straight into the catalog's `products`
and inventory's `stock` tables (after the services migrated them at start-up), in big
batches, instead of one API call per product. The two tables agree (catalog's `stock`
column is its projection of inventory's `available`). Product ids are 1..count, so seed
before creating anything through the API."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

ADJECTIVES = [
    "red",
    "blue",
    "green",
    "black",
    "white",
    "silver",
    "golden",
    "wooden",
    "steel",
    "cotton",
    "woollen",
    "leather",
    "compact",
    "classic",
    "modern",
    "vintage",
    "rugged",
    "slim",
    "deluxe",
    "smart",
    "portable",
    "quiet",
    "bright",
    "soft",
    "heavy",
    "light",
    "organic",
    "electric",
    "waterproof",
    "wireless",
]
NOUNS = [
    "lamp",
    "chair",
    "table",
    "desk",
    "sofa",
    "kettle",
    "mug",
    "teapot",
    "backpack",
    "jacket",
    "boot",
    "sneaker",
    "scarf",
    "glove",
    "watch",
    "clock",
    "radio",
    "speaker",
    "headphone",
    "keyboard",
    "mouse",
    "monitor",
    "camera",
    "tripod",
    "tent",
    "lantern",
    "bottle",
    "pan",
    "knife",
    "spoon",
    "blanket",
    "pillow",
    "towel",
    "mirror",
    "vase",
    "candle",
    "notebook",
    "pencil",
    "puzzle",
]
CATEGORIES = [f"Category {n:02d}" for n in range(20)]
STOCK = 1000
BATCH = 20_000


def rows(count: int, seed: int = 9) -> Iterator[tuple[int, str, str, int, str]]:
    """(id, name, description, price_cents, category) for products 1..count."""
    rng = random.Random(seed)
    for n in range(1, count + 1):
        adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        name = f"{adjective.title()} {noun} {n}"
        description = f"A {adjective} {noun} for every day, model {n}."
        yield n, name, description, rng.randint(100, 50_000), rng.choice(CATEGORIES)


def _batches(count: int) -> Iterator[list[tuple[int, str, str, int, str]]]:
    batch = []
    for row in rows(count):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _drop_triggers(conn: sqlite3.Connection, table: str) -> list[str]:
    """Drops `table`'s triggers; returns the statements that create them again."""
    found = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    ).fetchall()
    for name, _sql in found:
        conn.execute(f'DROP TRIGGER "{name}"')
    return [sql for _name, sql in found]


def seed_sqlite(catalog_path: str, inventory_path: str, count: int) -> float:
    """Seeds both SQLite files; returns the seconds it took."""
    started = time.perf_counter()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    version = time.time_ns() // 1000
    catalog = sqlite3.connect(catalog_path, timeout=60, isolation_level=None)
    inventory = sqlite3.connect(inventory_path, timeout=60)
    try:
        # One transaction: the search index's triggers (which would index row by row, five
        # times slower) are dropped, the rows inserted, the index rebuilt in one pass and
        # the triggers created again, so no other connection sees the table without them.
        catalog.execute("BEGIN IMMEDIATE")
        triggers = _drop_triggers(catalog, "products")
        for batch in _batches(count):
            catalog.executemany(
                "INSERT INTO products (id, name, description, price_cents, stock, "
                "stock_version, category, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(i, n, d, p, STOCK, version, c, now, now) for i, n, d, p, c in batch],
            )
            with inventory:
                inventory.executemany(
                    "INSERT INTO stock (product_id, available, reserved, version, updated_at) "
                    "VALUES (?, ?, 0, ?, ?)",
                    [(row[0], STOCK, version, now) for row in batch],
                )
        if catalog.execute("SELECT 1 FROM sqlite_master WHERE name = 'products_fts'").fetchone():
            catalog.execute("INSERT INTO products_fts (products_fts) VALUES ('rebuild')")
        for sql in triggers:
            catalog.execute(sql)
        catalog.execute("COMMIT")
        for conn in (catalog, inventory):
            conn.execute("ANALYZE")
    finally:
        catalog.close()
        inventory.close()
    return time.perf_counter() - started


def _asyncpg_url(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


async def seed_postgres(catalog_url: str, inventory_url: str, count: int) -> float:
    """Seeds both PostgreSQL databases with COPY; returns the seconds it took."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    version = time.time_ns() // 1000
    catalog = await asyncpg.connect(_asyncpg_url(catalog_url))
    inventory = await asyncpg.connect(_asyncpg_url(inventory_url))
    try:
        for batch in _batches(count):
            products: list[tuple[Any, ...]] = [
                (i, n, d, p, STOCK, version, c, now, now) for i, n, d, p, c in batch
            ]
            await catalog.copy_records_to_table(
                "products",
                records=products,
                columns=[
                    "id",
                    "name",
                    "description",
                    "price_cents",
                    "stock",
                    "stock_version",
                    "category",
                    "created_at",
                    "updated_at",
                ],
            )
            await inventory.copy_records_to_table(
                "stock",
                records=[(row[0], STOCK, 0, version, now) for row in batch],
                columns=["product_id", "available", "reserved", "version", "updated_at"],
            )
        await catalog.execute(
            "SELECT setval(pg_get_serial_sequence('products', 'id'), "
            "(SELECT max(id) FROM products))"
        )
        await catalog.execute("ANALYZE products")
        await inventory.execute("ANALYZE stock")
    finally:
        await catalog.close()
        await inventory.close()
    return time.perf_counter() - started
