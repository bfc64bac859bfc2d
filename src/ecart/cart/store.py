"""The cart service's tables and queries (each takes an open connection)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from ecart.cart.domain import CartLine
from ecart.platform.db import UTCDateTime
from ecart.platform.events import inbox_table, outbox_table

metadata = MetaData()

cart_items = Table(
    "cart_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(64), nullable=False),
    Column("product_id", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("user_id", "product_id", name="uq_cart_items_user_product"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


def _line(row: Any) -> CartLine:
    return CartLine(
        id=row.id,
        user_id=row.user_id,
        product_id=row.product_id,
        quantity=row.quantity,
        created_at=row.created_at,
    )


def _of_user(user_id: str) -> Any:
    return cart_items.c.user_id == user_id


def _one(user_id: str, product_id: int) -> Any:
    return (cart_items.c.user_id == user_id) & (cart_items.c.product_id == product_id)


async def lines_of(conn: AsyncConnection, user_id: str) -> list[CartLine]:
    query = select(cart_items).where(_of_user(user_id)).order_by(cart_items.c.id)
    return [_line(row) for row in await conn.execute(query)]


async def line_of(conn: AsyncConnection, user_id: str, product_id: int) -> CartLine | None:
    row = (await conn.execute(select(cart_items).where(_one(user_id, product_id)))).one_or_none()
    return None if row is None else _line(row)


async def count_lines(conn: AsyncConnection, user_id: str) -> int:
    query = select(func.count()).select_from(cart_items).where(_of_user(user_id))
    return int(await conn.scalar(query) or 0)


async def insert_line(
    conn: AsyncConnection, user_id: str, product_id: int, quantity: int, now: datetime
) -> CartLine:
    values = {
        "user_id": user_id,
        "product_id": product_id,
        "quantity": quantity,
        "created_at": now,
        "updated_at": now,
    }
    result = await conn.execute(insert(cart_items).values(values).returning(cart_items))
    return _line(result.one())


async def set_quantity(
    conn: AsyncConnection, user_id: str, product_id: int, quantity: int, now: datetime
) -> CartLine | None:
    result = await conn.execute(
        update(cart_items)
        .where(_one(user_id, product_id))
        .values(quantity=quantity, updated_at=now)
        .returning(cart_items)
    )
    row = result.one_or_none()
    return None if row is None else _line(row)


async def delete_line(conn: AsyncConnection, user_id: str, product_id: int) -> bool:
    result = await conn.execute(
        delete(cart_items).where(_one(user_id, product_id)).returning(cart_items.c.id)
    )
    return result.first() is not None


async def delete_cart(conn: AsyncConnection, user_id: str) -> None:
    await conn.execute(delete(cart_items).where(_of_user(user_id)))
