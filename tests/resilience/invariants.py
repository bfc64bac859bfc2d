"""Nothing lost, nothing twice: read every service's database directly after a run (its own
tables, `src/ecart/<service>/store.py`) and check, across all of them:

- money: every paid order (paid, processing, shipped, delivered) has exactly one successful
  charge, the one it names; every successful charge belongs to such an order (no charge
  without its order); a refunded order's payment is refunded;
- stock, per product: initial = available + reserved in active reservations + sold in
  committed reservations, and the stock row's `reserved` is the active reservations' sum;
  each order's reservation is in the state its order calls for (paid → committed, pending →
  active, cancelled → released or expired, refunded → restocked) and nothing is committed
  without a paid order;
- events: every service's outbox is drained, nothing was dead-lettered, and notifications
  holds exactly one e-mail per (order, kind) the order's state calls for (a confirmation for
  each order, a receipt for each paid one, a cancellation, a refund), plus one per refunded
  charge that never reached its order; no charge attempt is left unsettled.

`lost` counts what is missing or leaked, `duplicates` what happened more than once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from ecart.inventory import store as inventory
from ecart.notifications import store as notifications
from ecart.order import store as order
from ecart.payment import store as payment

PAID_LIKE = frozenset({"paid", "processing", "shipped", "delivered"})
RESERVATION_OF = {
    "pending": {"active"},
    "confirmed": {"active"},
    "cancelled": {"released", "expired"},
    "refunded": {"restocked"},
    **{status: {"committed"} for status in PAID_LIKE},
}
OUTBOXES = ("users", "catalog", "inventory", "cart", "order", "payment", "notifications")
UNSETTLED = ("started", "unknown")


@dataclass
class Check:
    lost: int = 0
    duplicates: int = 0
    details: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicates == 0

    def miss(self, detail: str, n: int = 1) -> None:
        self.lost += n
        self.details.append(detail)

    def twice(self, detail: str, n: int = 1) -> None:
        self.duplicates += n
        self.details.append(detail)

    def summary(self) -> str:
        shown = "; ".join(self.details[:8]) + (" …" if len(self.details) > 8 else "")
        return f"lost={self.lost}, duplicates={self.duplicates}" + (f" ({shown})" if shown else "")


async def _rows(url: str, *tables: Table) -> list[list[Any]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return [list((await conn.execute(select(t))).all()) for t in tables]
    finally:
        await engine.dispose()


async def _outbox_sizes(urls: Mapping[str, str]) -> dict[str, int]:
    sizes = {}
    for service in OUTBOXES:
        engine = create_async_engine(urls[service])
        try:
            async with engine.connect() as conn:
                # every service's outbox has the same shape (`outbox_table`)
                sizes[service] = int(
                    await conn.scalar(select(func.count()).select_from(order.outbox)) or 0
                )
        finally:
            await engine.dispose()
    return sizes


async def check(database_urls: Mapping[str, str], initial_stock: Mapping[int, int]) -> Check:
    """Reads every service's tables (`database_urls[service]`) and checks them all."""
    result = Check()
    orders, attempts = await _rows(database_urls["order"], order.orders, order.payment_attempts)
    (payments,) = await _rows(database_urls["payment"], payment.payments)
    stock, reservations, lines = await _rows(
        database_urls["inventory"],
        inventory.stock,
        inventory.reservations,
        inventory.reservation_lines,
    )
    sent, dead = await _rows(
        database_urls["notifications"], notifications.notifications, notifications.dead_letters
    )
    _money(result, orders, payments)
    _stock(result, initial_stock, orders, stock, reservations, lines)
    _notifications(result, orders, payments, sent)
    for service, size in (await _outbox_sizes(database_urls)).items():
        if size:
            result.miss(f"{service}: {size} events still in the outbox", size)
    if dead:
        result.miss(f"notifications: {len(dead)} dead-lettered events", len(dead))
    unsettled = [a for a in attempts if a.status in UNSETTLED]
    if unsettled:
        result.miss(f"{len(unsettled)} charge attempts unsettled", len(unsettled))
    statuses = Counter(o.status for o in orders)
    result.counts = {
        "orders": len(orders),
        **{f"orders_{k}": v for k, v in statuses.items()},
        "charges": len(payments),
        **{f"charges_{k}": v for k, v in Counter(p.status for p in payments).items()},
        "notifications": len(sent),
    }
    return result


def _money(result: Check, orders: list[Any], payments: list[Any]) -> None:
    by_order: dict[int, list[Any]] = defaultdict(list)
    for p in payments:
        by_order[int(p.order_id)].append(p)
    known = {int(o.id): o for o in orders}
    for o in orders:
        succeeded = [p for p in by_order.get(int(o.id), []) if p.status == "success"]
        if o.status in PAID_LIKE:
            if not succeeded:
                result.miss(f"order {o.id} is {o.status} without a successful charge")
            elif len(succeeded) > 1:
                result.twice(f"order {o.id} has {len(succeeded)} successful charges")
            elif succeeded[0].id != o.payment_id:
                result.miss(f"order {o.id} names payment {o.payment_id}, charged {succeeded[0].id}")
        elif o.status == "refunded":
            mine = [p for p in by_order.get(int(o.id), []) if p.id == o.payment_id]
            if not mine or mine[0].status != "refunded":
                result.miss(f"refunded order {o.id}: its payment is not refunded")
    for p in payments:
        owner = known.get(int(p.order_id))
        if p.status != "success":
            continue
        if owner is None:
            result.miss(f"charge {p.id} for order {p.order_id}, which does not exist")
        elif owner.status not in PAID_LIKE:
            result.miss(f"charge {p.id} succeeded but order {owner.id} is {owner.status}")


def _stock(
    result: Check,
    initial: Mapping[int, int],
    orders: list[Any],
    stock: list[Any],
    reservations: list[Any],
    lines: list[Any],
) -> None:
    status_of = {r.reservation_id: r.status for r in reservations}
    held: Counter[int] = Counter()
    sold: Counter[int] = Counter()
    for line in lines:
        status = status_of.get(line.reservation_id)
        if status == "active":
            held[int(line.product_id)] += int(line.quantity)
        elif status == "committed":
            sold[int(line.product_id)] += int(line.quantity)
    rows = {int(s.product_id): s for s in stock}
    for product, start in initial.items():
        row = rows.get(product)
        if row is None:
            result.miss(f"product {product}: no stock row")
            continue
        accounted = int(row.available) + held[product] + sold[product]
        if accounted != start:
            result.miss(
                f"product {product}: initial {start} != available {row.available} + held "
                f"{held[product]} + sold {sold[product]}",
                abs(start - accounted),
            )
        if int(row.reserved) != held[product]:
            result.miss(
                f"product {product}: reserved {row.reserved} != active reservations "
                f"{held[product]}",
                abs(int(row.reserved) - held[product]),
            )
    order_of = {o.reservation_id: o for o in orders}
    for o in orders:
        wanted = RESERVATION_OF.get(o.status, set())
        if status_of.get(o.reservation_id) not in wanted:
            result.miss(
                f"order {o.id} is {o.status}, its reservation "
                f"{status_of.get(o.reservation_id)} (wanted {'/'.join(sorted(wanted))})"
            )
    for rid, status in status_of.items():
        if status == "committed" and rid not in order_of:
            result.miss(f"reservation {rid} committed without an order")


def expected_kinds(o: Any) -> set[str]:
    kinds = {"order_confirmation"}
    if o.payment_id and (o.status in PAID_LIKE or o.status == "refunded"):
        kinds.add("payment_receipt")
    if o.status == "cancelled":
        kinds.add("cancelled")
    if o.status == "refunded":
        kinds.add("refunded")
    if o.status in ("shipped", "delivered"):
        kinds.add("shipped")
    return kinds


def _notifications(result: Check, orders: list[Any], payments: list[Any], sent: list[Any]) -> None:
    per_key = Counter((n.order_id, n.kind) for n in sent if n.kind != "payment_refunded")
    for o in orders:
        wanted = expected_kinds(o)
        for kind in wanted:
            n = per_key.pop((o.id, kind), 0)
            if n == 0:
                result.miss(f"order {o.id} ({o.status}): no {kind} notification")
            elif n > 1:
                result.twice(f"order {o.id}: {n} {kind} notifications", n - 1)
    for (order_id, kind), n in per_key.items():
        result.twice(f"order {order_id}: {n} unexpected {kind} notifications", n)
    order_payments = {o.payment_id for o in orders if o.payment_id}
    refunds = Counter(n.payment_id for n in sent if n.kind == "payment_refunded")
    for p in payments:
        if p.status == "refunded" and p.id not in order_payments:
            n = refunds.pop(p.id, 0)
            if n == 0:
                result.miss(f"charge {p.id} refunded without a payment_refunded notification")
            elif n > 1:
                result.twice(f"charge {p.id}: {n} payment_refunded notifications", n - 1)
    for payment_id, n in refunds.items():
        result.twice(f"charge {payment_id}: {n} unexpected payment_refunded notifications", n)


async def settled(
    database_urls: Mapping[str, str],
    initial_stock: Mapping[int, int],
    *,
    within: float,
    until: Callable[[Check], bool] | None = None,
) -> Check:
    """`check` again every second until it passes (and `until` holds) or `within` s pass
    (the relays, consumers, sweeper and reconciler catch up); the last result."""
    deadline = time.monotonic() + within
    while True:
        result = await check(database_urls, initial_stock)
        if (result.ok and (until is None or until(result))) or time.monotonic() > deadline:
            return result
        await asyncio.sleep(1)
