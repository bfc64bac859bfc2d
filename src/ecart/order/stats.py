"""Order statistics for the admin dashboard: counts per status and the money collected,
in all and over the last 24 hours (one grouped query on the orders table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import case, func, select

from ecart.order.domain import COLLECTED, Status
from ecart.order.store import orders
from ecart.platform.events import utcnow
from ecart.platform.http.app import ServiceContext
from ecart.platform.money import from_cents, quantize

RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class StatusFigures:
    status: Status
    count: int
    total_cents: int
    recent_count: int
    recent_cents: int


@dataclass(frozen=True)
class OrderStats:
    by_status: dict[Status, int]
    orders: int
    revenue: Decimal
    paid_orders: int
    average_order_value: Decimal
    orders_last_24h: int
    revenue_last_24h: Decimal


def summarize(figures: list[StatusFigures]) -> OrderStats:
    """The dashboard's figures from per-status counts and sums (every status listed)."""
    by_status = dict.fromkeys(Status, 0)
    for row in figures:
        by_status[row.status] = row.count
    collected = [row for row in figures if row.status in COLLECTED]
    paid_orders = sum(row.count for row in collected)
    revenue = from_cents(sum(row.total_cents for row in collected))
    average = quantize(revenue / paid_orders) if paid_orders else Decimal("0.00")
    return OrderStats(
        by_status=by_status,
        orders=sum(row.count for row in figures),
        revenue=revenue,
        paid_orders=paid_orders,
        average_order_value=average,
        orders_last_24h=sum(row.recent_count for row in figures),
        revenue_last_24h=from_cents(sum(row.recent_cents for row in collected)),
    )


async def order_stats(ctx: ServiceContext) -> OrderStats:
    recent = orders.c.created_at >= utcnow() - RECENT
    query = select(
        orders.c.status,
        func.count(),
        func.coalesce(func.sum(orders.c.total_cents), 0),
        func.coalesce(func.sum(case((recent, 1), else_=0)), 0),
        func.coalesce(func.sum(case((recent, orders.c.total_cents), else_=0)), 0),
    ).group_by(orders.c.status)
    async with ctx.db.read() as conn:
        rows = (await conn.execute(query)).all()
    return summarize(
        [
            StatusFigures(Status(status), int(count), int(total), int(n_recent), int(recent_sum))
            for status, count, total, n_recent, recent_sum in rows
        ]
    )
