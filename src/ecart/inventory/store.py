"""The inventory service's tables and the queries on them.

Every stock change is a single conditional UPDATE (never read-modify-write), so concurrent
reservations cannot oversell, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ecart.platform.db import UTCDateTime
from ecart.platform.events import inbox_table, outbox_table, sequence_column

metadata = MetaData()

stock = Table(
    "stock",
    metadata,
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    Column("available", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    sequence_column("version"),
    Column("updated_at", UTCDateTime(), nullable=False),
)

reservations = Table(
    "reservations",
    metadata,
    Column("reservation_id", String(100), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_reservations_status_expires_at", "status", "expires_at"),
)

reservation_lines = Table(
    "reservation_lines",
    metadata,
    Column(
        "reservation_id",
        String(100),
        ForeignKey("reservations.reservation_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    Column("quantity", Integer, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

AnyRow: TypeAlias = Row[*tuple[Any, ...]]
"""A result row whose columns are read by name."""

_STOCK_COLUMNS = (stock.c.product_id, stock.c.available, stock.c.reserved, stock.c.version)


def initial_version() -> int:
    # Microseconds since the epoch: a row deleted and created again never goes back to an
    # older version, so consumers that keep the newest version keep working.
    return time.time_ns() // 1000


async def get_stock(conn: AsyncConnection, product_id: int) -> AnyRow | None:
    result = await conn.execute(select(*_STOCK_COLUMNS).where(stock.c.product_id == product_id))
    return result.one_or_none()


async def list_stock(
    conn: AsyncConnection, product_ids: Sequence[int] | None, skip: int, limit: int
) -> list[AnyRow]:
    query = select(*_STOCK_COLUMNS).order_by(stock.c.product_id)
    if product_ids is not None:
        query = query.where(stock.c.product_id.in_(product_ids))
    result = await conn.execute(query.offset(skip).limit(limit))
    return list(result.all())


async def set_available(
    conn: AsyncConnection, product_id: int, available: int, now: datetime
) -> AnyRow:
    """Insert the row, or set `available` on the existing one (bumping its version)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(stock).values(
        product_id=product_id,
        available=available,
        reserved=0,
        version=initial_version(),
        updated_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[stock.c.product_id],
        set_={"available": available, "version": stock.c.version + 1, "updated_at": now},
    ).returning(*_STOCK_COLUMNS)
    return (await conn.execute(statement)).one()


async def take(
    conn: AsyncConnection, product_id: int, quantity: int, now: datetime
) -> AnyRow | None:
    """Move `quantity` from available to reserved if there is enough; None if not."""
    result = await conn.execute(
        update(stock)
        .where(stock.c.product_id == product_id, stock.c.available >= quantity)
        .values(
            available=stock.c.available - quantity,
            reserved=stock.c.reserved + quantity,
            version=stock.c.version + 1,
            updated_at=now,
        )
        .returning(*_STOCK_COLUMNS)
    )
    return result.one_or_none()


async def adjust(
    conn: AsyncConnection, product_id: int, d_available: int, d_reserved: int, now: datetime
) -> AnyRow | None:
    """Add the deltas in one UPDATE (reserved never below 0); None if the row is gone."""
    reserved = stock.c.reserved + d_reserved
    result = await conn.execute(
        update(stock)
        .where(stock.c.product_id == product_id)
        .values(
            available=stock.c.available + d_available,
            reserved=case((reserved < 0, 0), else_=reserved),
            version=stock.c.version + 1,
            updated_at=now,
        )
        .returning(*_STOCK_COLUMNS)
    )
    return result.one_or_none()


async def delete_stock(conn: AsyncConnection, product_id: int) -> AnyRow | None:
    result = await conn.execute(
        delete(stock).where(stock.c.product_id == product_id).returning(*_STOCK_COLUMNS)
    )
    return result.one_or_none()


async def get_reservation(
    conn: AsyncConnection, reservation_id: str
) -> tuple[AnyRow, dict[int, int]] | None:
    row = (
        await conn.execute(
            select(reservations).where(reservations.c.reservation_id == reservation_id)
        )
    ).one_or_none()
    if row is None:
        return None
    lines = await conn.execute(
        select(reservation_lines.c.product_id, reservation_lines.c.quantity)
        .where(reservation_lines.c.reservation_id == reservation_id)
        .order_by(reservation_lines.c.product_id)
    )
    return row, {int(line.product_id): int(line.quantity) for line in lines}


async def insert_reservation(
    conn: AsyncConnection,
    reservation_id: str,
    lines: dict[int, int],
    expires_at: datetime,
    now: datetime,
) -> None:
    await conn.execute(
        insert(reservations).values(
            reservation_id=reservation_id,
            status="active",
            expires_at=expires_at,
            created_at=now,
            updated_at=now,
        )
    )
    await conn.execute(
        insert(reservation_lines),
        [
            {"reservation_id": reservation_id, "product_id": p, "quantity": q}
            for p, q in lines.items()
        ],
    )


async def move_status(
    conn: AsyncConnection, reservation_id: str, source: str, target: str, now: datetime
) -> bool:
    """Conditional status change: True only for the one caller that made the move."""
    result = await conn.execute(
        update(reservations)
        .where(reservations.c.reservation_id == reservation_id, reservations.c.status == source)
        .values(status=target, updated_at=now)
    )
    return result.rowcount == 1


async def overdue_reservations(conn: AsyncConnection, now: datetime, limit: int) -> list[str]:
    result = await conn.execute(
        select(reservations.c.reservation_id)
        .where(reservations.c.status == "active", reservations.c.expires_at <= now)
        .order_by(reservations.c.expires_at)
        .limit(limit)
    )
    return [str(rid) for rid in result.scalars()]
