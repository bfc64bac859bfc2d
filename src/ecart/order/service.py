"""Order use cases: checkout, payment, status changes, expiry."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import desc, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ecart.order import clients
from ecart.order.config import OrderSettings
from ecart.order.domain import Line, Status, order_total
from ecart.order.events import TOPIC
from ecart.order.store import orders
from ecart.platform.auth import Principal
from ecart.platform.events import Event, utcnow
from ecart.platform.http.app import ServiceContext
from ecart.platform.money import CURRENCY, from_cents, to_cents
from ecart.platform.outbox import UnitOfWork

log = structlog.get_logger("ecart.order")


class EmptyCart(Exception):
    pass


class OrderNotFound(Exception):
    pass


class NotPayable(Exception):
    pass


class PaymentDeclined(Exception):
    pass


class Conflict(Exception):
    pass


@dataclass(frozen=True)
class Order:
    id: int
    user_id: str
    status: Status
    total_amount: Decimal
    items: list[Line]
    payment_id: str | None
    reservation_id: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Order:
        lines = [
            Line(i["product_id"], i["product_name"], i["quantity"], from_cents(i["price_cents"]))
            for i in json.loads(row.items)
        ]
        return cls(
            id=row.id,
            user_id=row.user_id,
            status=Status(row.status),
            total_amount=from_cents(row.total_cents),
            items=lines,
            payment_id=row.payment_id,
            reservation_id=row.reservation_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def event_data(self) -> dict[str, Any]:
        return {
            "order_id": self.id,
            "user_id": self.user_id,
            "status": str(self.status),
            "total_amount": float(self.total_amount),
            "items": [
                {
                    "product_id": line.product_id,
                    "product_name": line.product_name,
                    "quantity": line.quantity,
                    "price": float(line.price),
                }
                for line in self.items
            ],
            "payment_id": self.payment_id,
        }


def _event(order: Order, event_type: str, **extra: Any) -> Event:
    return Event(TOPIC, str(order.id), event_type, {**order.event_data(), **extra})


def _items_json(lines: list[Line]) -> str:
    return json.dumps(
        [
            {
                "product_id": line.product_id,
                "product_name": line.product_name,
                "quantity": line.quantity,
                "price_cents": to_cents(line.price),
            }
            for line in lines
        ]
    )


async def _load(conn: AsyncConnection, order_id: int) -> Order | None:
    row = (await conn.execute(select(orders).where(orders.c.id == order_id))).one_or_none()
    return Order.from_row(row) if row is not None else None


async def get_order(
    ctx: ServiceContext, order_id: int, principal: Principal, *, primary: bool = False
) -> Order:
    """The order if it exists and the caller may see it (someone else's order → not found).
    `primary`: read it from the primary, not a replica that may lag (a use case that decides
    a write from it)."""
    async with ctx.db.read(primary=primary) as conn:
        order = await _load(conn, order_id)
    if order is None or not (principal.is_privileged or principal.subject == order.user_id):
        raise OrderNotFound(order_id)
    return order


async def list_orders(
    ctx: ServiceContext,
    *,
    user_id: str | None,
    skip: int,
    limit: int,
    status: Status | None = None,
) -> list[Order]:
    query = select(orders).order_by(desc(orders.c.created_at), desc(orders.c.id))
    if user_id is not None:
        query = query.where(orders.c.user_id == user_id)
    if status is not None:
        query = query.where(orders.c.status == status)
    async with ctx.db.read() as conn:
        rows = (await conn.execute(query.offset(skip).limit(limit))).all()
    return [Order.from_row(row) for row in rows]


async def create_order(ctx: ServiceContext, settings: OrderSettings, user_id: str) -> Order:
    """Reserve every line (all or nothing), record the order, then empty the cart."""
    lines = await clients.cart_lines(ctx, user_id)
    if not lines:
        raise EmptyCart(user_id)
    reservation_id = str(uuid.uuid4())
    await clients.reserve(ctx, reservation_id, lines, settings.reservation_ttl_seconds)
    try:
        order = await _insert_order(ctx, user_id, lines, reservation_id)
    except BaseException:
        await _release_quietly(ctx, reservation_id)
        raise
    try:
        await clients.clear_ordered(ctx, user_id, lines)
    except Exception:
        log.warning("cart_clear_failed_order_cancelled", order_id=order.id)
        await _release_quietly(ctx, reservation_id)
        await set_status(ctx, order, Status.CANCELLED, reason="cart_unavailable")
        raise
    return order


async def _insert_order(
    ctx: ServiceContext, user_id: str, lines: list[Line], reservation_id: str
) -> Order:
    now = utcnow()
    async with ctx.unit_of_work() as uow:
        result = await uow.conn.execute(
            insert(orders)
            .values(
                user_id=user_id,
                status=Status.PENDING,
                total_cents=to_cents(order_total(lines)),
                items=_items_json(lines),
                payment_id=None,
                reservation_id=reservation_id,
                created_at=now,
                updated_at=now,
            )
            .returning(orders)
        )
        order = Order.from_row(result.one())
        uow.emit(_event(order, "order_created"))
        uow.count("ecart_orders_created_total")
    return order


async def _release_quietly(ctx: ServiceContext, reservation_id: str) -> None:
    try:
        await clients.reservation_action(ctx, reservation_id, "release")
    except Exception as exc:  # the reservation's TTL returns the stock anyway
        log.warning("release_failed", reservation_id=reservation_id, error=repr(exc))


async def set_status(
    ctx: ServiceContext,
    order: Order,
    target: Status,
    *,
    payment_id: str | None = None,
    reason: str | None = None,
    expected: frozenset[Status] | None = None,
) -> Order | None:
    async with ctx.unit_of_work() as uow:
        return await record_status(
            uow, order, target, payment_id=payment_id, reason=reason, expected=expected
        )


async def record_status(
    uow: UnitOfWork,
    order: Order,
    target: Status,
    *,
    payment_id: str | None = None,
    reason: str | None = None,
    expected: frozenset[Status] | None = None,
) -> Order | None:
    """Move `order` to `target` if it is still in an `expected` status (default: the status
    it was loaded with) and emit its events in the same transaction; None if it had moved."""
    values: dict[str, Any] = {"status": target, "updated_at": utcnow()}
    if payment_id is not None:
        values["payment_id"] = payment_id
    result = await uow.conn.execute(
        update(orders)
        .where(orders.c.id == order.id, orders.c.status.in_(list(expected or {order.status})))
        .values(**values)
    )
    if result.rowcount == 0:
        return None
    after = await _load(uow.conn, order.id)
    assert after is not None
    extra = {"old_status": str(order.status), "reason": reason}
    uow.emit(_event(after, "order_status_updated", **extra))
    specific = _SPECIFIC_EVENTS.get(after.status)
    if specific:
        uow.emit(_event(after, specific, **extra))
    _count_transition(uow, after, reason)
    return after


def _count_transition(uow: UnitOfWork, order: Order, reason: str | None) -> None:
    if order.status == Status.PAID:
        uow.count("ecart_orders_paid_total")
        uow.count("ecart_revenue_minor_units_total", CURRENCY, amount=to_cents(order.total_amount))
    elif order.status == Status.CANCELLED:
        uow.count("ecart_orders_cancelled_total", _CANCEL_REASONS.get(reason or "", "other"))
    elif order.status == Status.REFUNDED:
        uow.count("ecart_orders_refunded_total")


# Reasons as metric labels: a short, fixed set.
_CANCEL_REASONS = {
    "set by customer": "customer",
    "set by admin": "admin",
    "reservation_expired": "expired",
    "cart_unavailable": "cart_unavailable",
}


_SPECIFIC_EVENTS = {
    Status.PAID: "order_paid",
    Status.CANCELLED: "order_cancelled",
    Status.REFUNDED: "order_refunded",
}


async def find_by_reservation(conn: AsyncConnection, reservation_id: str) -> Order | None:
    query = select(orders).where(orders.c.reservation_id == reservation_id)
    row = (await conn.execute(query)).one_or_none()
    return Order.from_row(row) if row is not None else None
