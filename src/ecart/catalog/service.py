"""Catalog use cases: search, create / update / delete products (stock levels go to
inventory synchronously), categories, and the stock projection fed by inventory's events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter

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


async def list_products(ctx: ServiceContext, query: ProductQuery) -> list[AnyRow]:
    async with ctx.db.read() as conn:
        return await store.list_products(conn, query)


async def get_product(ctx: ServiceContext, product_id: int) -> AnyRow | None:
    async with ctx.db.read() as conn:
        return await store.get_product(conn, product_id)


async def list_categories(ctx: ServiceContext) -> list[AnyRow]:
    async with ctx.db.read() as conn:
        return await store.categories(conn)


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
    return fresh if fresh is not None else row


async def update_product(
    ctx: ServiceContext, product_id: int, changes: dict[str, Any], stock: int | None
) -> AnyRow | None:
    """Change the given fields; a `stock` goes to inventory first. None if there is no such
    product."""
    if await get_product(ctx, product_id) is None:
        return None
    level = await push_stock(ctx, product_id, stock) if stock is not None else None
    values = _clean_changes(changes)
    async with ctx.unit_of_work() as uow:
        if values:
            values["updated_at"] = utcnow()
            row = await store.update_product(uow.conn, product_id, values)
            if row is not None:
                uow.emit(_event(PRODUCT_UPDATED, row))
        if level is not None:
            await store.apply_stock(uow.conn, product_id, level.available, level.version)
        return await store.get_product(uow.conn, product_id)


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
    async with ctx.unit_of_work() as uow:
        deleted = await store.delete_product(uow.conn, product_id)
        if deleted:
            data = {"product_id": product_id}
            uow.emit(Event(TOPIC, str(product_id), PRODUCT_DELETED, data))
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


async def count_products(ctx: ServiceContext) -> int:
    async with ctx.db.read() as conn:
        return await store.count_products(conn)


async def product_names(ctx: ServiceContext) -> set[str]:
    async with ctx.db.read() as conn:
        return await store.product_names(conn)
