"""Catalog use cases: search, create / update / delete products (stock levels go to
inventory synchronously), categories, and the stock projection fed by inventory's events.

Reads go through `ctx.cache` (Redis when `ECART_REDIS_URL` is set, else straight to the
database). Every write, and every `stock_changed` applied, bumps the catalog's cache version
once its transaction has committed, so no cached page, list or category count outlives it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncConnection

from ecart.catalog import store
from ecart.catalog.domain import NewProduct, ProductQuery, clean_category, clean_name
from ecart.catalog.events import (
    PRODUCT_CREATED,
    PRODUCT_DELETED,
    PRODUCT_UPDATED,
    STOCK_CHANGED,
    TOPIC,
    StockChanged,
)
from ecart.catalog.store import AnyRow
from ecart.platform.bus import Handler, Message
from ecart.platform.events import Envelope, Event, utcnow
from ecart.platform.http.app import ServiceContext
from ecart.platform.http.errors import ServiceUnavailable
from ecart.platform.money import Money, from_cents, to_cents
from ecart.platform.outbox import UnitOfWork

_money = TypeAdapter(Money)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _event(event_type: str, row: AnyRow) -> Event:
    data = {
        "product_id": int(row.id),
        "name": row.name,
        "price": _money.dump_python(from_cents(row.price_cents), mode="json"),
        "price_cents": int(row.price_cents),
        "category": row.category,
    }
    return Event(TOPIC, str(row.id), event_type, data)


CACHE_NAMESPACE = "catalog"
Record = AnyRow | SimpleNamespace
"""A database row, or the same columns read back from the cache (read by attribute)."""
_DATETIMES = ("created_at", "updated_at")


def _encode_rows(rows: Sequence[Record] | None) -> list[dict[str, Any]] | None:
    if rows is None:
        return None
    encoded = []
    for row in rows:
        values = dict(vars(row)) if isinstance(row, SimpleNamespace) else dict(row._mapping)
        for name in _DATETIMES:
            if isinstance(values.get(name), datetime):
                values[name] = values[name].isoformat()
        encoded.append(values)
    return encoded


def _decode_rows(cached: Any) -> list[Record]:
    rows: list[Record] = []
    for values in cached:
        for name in _DATETIMES:
            if name in values:
                values[name] = datetime.fromisoformat(values[name])
        rows.append(SimpleNamespace(**values))
    return rows


async def _cached_rows(
    ctx: ServiceContext, key: str, load: Callable[[], Awaitable[list[AnyRow]]]
) -> list[Record]:
    async def loader() -> list[Record]:
        return list(await load())

    return await ctx.cache.read_through(CACHE_NAMESPACE, key, loader, _encode_rows, _decode_rows)


def _query_key(query: ProductQuery) -> str:
    """The same key for every query that has the same answer (search and category match
    case-insensitively)."""
    values = asdict(query)
    for name in ("q", "category"):
        values[name] = values[name].lower() if values[name] else None
    for name in ("min_price", "max_price"):
        values[name] = to_cents(values[name]) if values[name] is not None else None
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return "products:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _cache_fill(ctx: ServiceContext) -> AbstractAsyncContextManager[AsyncConnection]:
    """The connection for a read whose answer may be cached: the primary when the cache is
    on (a lagging replica's answer would otherwise outlive the invalidation), else a replica
    if there is one."""
    return ctx.db.read(primary=ctx.cache.enabled)


async def invalidate_cache(ctx: ServiceContext) -> None:
    """Call after a change to products has committed."""
    ctx.responses.invalidate()
    await ctx.cache.invalidate(CACHE_NAMESPACE)


async def list_products(ctx: ServiceContext, query: ProductQuery) -> list[Record]:
    async def load() -> list[AnyRow]:
        async with _cache_fill(ctx) as conn:
            return await store.list_products(conn, query)

    return await _cached_rows(ctx, _query_key(query), load)


async def get_product(ctx: ServiceContext, product_id: int) -> Record | None:
    async def load() -> list[Record]:
        async with _cache_fill(ctx) as conn:
            row = await store.get_product(conn, product_id)
        return [] if row is None else [row]

    def encode(found: list[Record]) -> list[dict[str, Any]] | None:
        return _encode_rows(found) if found else None  # "no such product" is not cached

    key = f"product:{product_id}"
    rows = await ctx.cache.read_through(CACHE_NAMESPACE, key, load, encode, _decode_rows)
    return rows[0] if rows else None


async def list_categories(ctx: ServiceContext) -> list[Record]:
    async def load() -> list[AnyRow]:
        async with _cache_fill(ctx) as conn:
            return await store.categories(conn)

    return await _cached_rows(ctx, "categories", load)


async def create_product(ctx: ServiceContext, new: NewProduct) -> AnyRow:
    """Insert the product, then set its stock in inventory and return it with that stock.
    If inventory cannot answer, the product is removed again and ServiceUnavailable raised."""
    now = utcnow()
    values = {
        "name": clean_name(new.name),
        "description": new.description.strip(),
        "price_cents": to_cents(new.price),
        "stock": 0,
        "stock_version": 0,
        "category": clean_category(new.category),
        "created_at": now,
        "updated_at": now,
    }
    try:
        async with ctx.unit_of_work() as uow:
            row = await store.insert_product(uow.conn, values)
            uow.emit(_event(PRODUCT_CREATED, row))
        try:
            level = await push_stock(ctx, row.id, new.stock)
        except ServiceUnavailable:
            await delete_product(ctx, row.id)
            raise
        async with ctx.unit_of_work() as uow:
            await store.apply_stock(uow.conn, row.id, level.available, level.version)
            fresh = await store.get_product(uow.conn, row.id)
    finally:
        await invalidate_cache(ctx)
    return fresh if fresh is not None else row


async def update_product(
    ctx: ServiceContext, product_id: int, changes: dict[str, Any], stock: int | None
) -> AnyRow | None:
    """Change the given fields; a `stock` goes to inventory first. None if there is no such
    product."""
    async with ctx.db.read() as conn:
        if await store.get_product(conn, product_id) is None:
            return None
    level = await push_stock(ctx, product_id, stock) if stock is not None else None
    values = _clean_changes(changes)
    try:
        async with ctx.unit_of_work() as uow:
            if values:
                values["updated_at"] = utcnow()
                row = await store.update_product(uow.conn, product_id, values)
                if row is not None:
                    uow.emit(_event(PRODUCT_UPDATED, row))
            if level is not None:
                await store.apply_stock(uow.conn, product_id, level.available, level.version)
            return await store.get_product(uow.conn, product_id)
    finally:
        await invalidate_cache(ctx)


def _clean_changes(changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if changes.get("name") is not None:
        values["name"] = clean_name(changes["name"])
    if "description" in changes:
        values["description"] = (changes["description"] or "").strip()
    if changes.get("price") is not None:
        values["price_cents"] = to_cents(changes["price"])
    if "category" in changes:
        values["category"] = clean_category(changes["category"])
    return values


async def delete_product(ctx: ServiceContext, product_id: int) -> bool:
    try:
        async with ctx.unit_of_work() as uow:
            deleted = await store.delete_product(uow.conn, product_id)
            if deleted:
                data = {"product_id": product_id}
                uow.emit(Event(TOPIC, str(product_id), PRODUCT_DELETED, data))
    finally:
        await invalidate_cache(ctx)
    return deleted


async def push_stock(ctx: ServiceContext, product_id: int, available: int) -> StockChanged:
    """Set the product's available stock in inventory; its answer carries the new version."""
    response = await ctx.client("inventory").request(
        "PUT", f"/stock/{product_id}", json={"available": available}
    )
    if response.status_code != 200:
        raise ServiceUnavailable(
            f"inventory service did not accept the stock level ({response.status_code})"
        )
    return StockChanged.model_validate_json(response.content)


async def on_inventory_event(uow: UnitOfWork, envelope: Envelope) -> None:
    """Consumer effect: keep `stock` equal to inventory's newest `available`."""
    if envelope.event_type == STOCK_CHANGED:
        level = StockChanged.model_validate(envelope.data)
        await store.apply_stock(uow.conn, level.product_id, level.available, level.version)


def invalidating(ctx: ServiceContext, handler: Handler) -> Handler:
    """Wraps the inventory-events consumer: once its transaction has committed, a
    `stock_changed` bumps the cache version (so the new stock shows at once)."""

    async def handle(message: Message) -> None:
        await handler(message)
        if Envelope.model_validate_json(message.value).event_type == STOCK_CHANGED:
            await invalidate_cache(ctx)

    return handle


async def count_products(ctx: ServiceContext) -> int:
    async with ctx.db.read() as conn:
        return await store.count_products(conn)


async def product_names(ctx: ServiceContext) -> set[str]:
    async with ctx.db.read() as conn:
        return await store.product_names(conn)
