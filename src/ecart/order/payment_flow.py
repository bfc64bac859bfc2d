"""Paying an order: charge once per attempt, commit the stock reservation, mark it paid.

A charge whose reservation has gone, or that lost a race with another payment, is refunded.
When the payment service does not answer, the attempt is left `unknown` and the reconciler
settles it from what the payment service knows (query by order id and attempt key): no
charge without an order, no order marked paid without a successful charge.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import structlog

from ecart.order import attempts, clients
from ecart.order.attempts import AttemptStatus
from ecart.order.domain import PAYABLE, Status
from ecart.order.service import (
    Conflict,
    NotPayable,
    Order,
    OrderNotFound,
    PaymentDeclined,
    get_order,
    set_status,
)
from ecart.platform.auth import Principal
from ecart.platform.events import utcnow
from ecart.platform.http.app import ServiceContext
from ecart.platform.http.errors import ServiceUnavailable
from ecart.platform.idempotency import Idempotency

log = structlog.get_logger("ecart.order.payment")
SYSTEM = Principal(subject="service:order", role="service")


class PaymentOutcomeUnknown(Exception):
    """The payment service did not answer; the attempt will be reconciled."""


async def pay(
    ctx: ServiceContext,
    order_id: int,
    principal: Principal,
    payment_method: str | None,
    attempt_key: str | None = None,
) -> Order:
    order = await get_order(ctx, order_id, principal, primary=True)
    if order.status not in PAYABLE:
        raise NotPayable(order.status)
    key = attempt_key or f"order-{order.id}-{uuid.uuid4()}"
    await attempts.start(ctx, key, order.id)
    try:
        payment = await clients.charge(
            ctx,
            order_id=order.id,
            user_id=order.user_id,
            amount=order.total_amount,
            payment_method=payment_method,
            attempt_key=key,
        )
    except ServiceUnavailable as exc:
        await attempts.mark(ctx, key, AttemptStatus.UNKNOWN)
        raise PaymentOutcomeUnknown(order.id) from exc
    return await settle(ctx, order, key, payment)


async def settle(ctx: ServiceContext, order: Order, key: str, payment: dict[str, Any]) -> Order:
    """Apply a charge's outcome to the order. The attempt is marked succeeded only once the
    charge has been applied (the order paid, or the charge refunded): if this stops half-way
    (the order's database restarting, say), the attempt stays unsettled and the reconciler
    finishes it: a successful charge never stays next to a pending order."""
    payment_id = str(payment["id"])
    if payment.get("status") != "success":
        await attempts.mark(ctx, key, AttemptStatus.DECLINED, payment_id)
        raise PaymentDeclined(order.id)
    if order.payment_id == payment_id:  # already settled (a retry, or the reconciler)
        await attempts.mark(ctx, key, AttemptStatus.SUCCEEDED, payment_id)
        return order
    try:
        await clients.reservation_action(ctx, order.reservation_id, "commit")
    except clients.ReservationGone as exc:
        await clients.refund(ctx, payment_id)
        await set_status(
            ctx, order, Status.CANCELLED, reason="reservation_expired", expected=PAYABLE
        )
        await attempts.mark(ctx, key, AttemptStatus.SUCCEEDED, payment_id)
        raise Conflict(
            "The order's stock reservation has expired; the payment was refunded"
        ) from exc
    paid = await set_status(
        ctx, order, Status.PAID, payment_id=payment_id, reason="payment", expected=PAYABLE
    )
    if paid is None:
        current = await get_order(ctx, order.id, SYSTEM, primary=True)
        if current.payment_id != payment_id:
            await clients.refund(ctx, payment_id)
        await attempts.mark(ctx, key, AttemptStatus.SUCCEEDED, payment_id)
        if current.payment_id == payment_id:
            return current
        raise Conflict("The order changed while it was being paid; the payment was refunded")
    await attempts.mark(ctx, key, AttemptStatus.SUCCEEDED, payment_id)
    return paid


async def reconcile_once(ctx: ServiceContext, grace: timedelta) -> int:
    """Settle attempts whose outcome is unknown; returns how many were settled."""
    settled = 0
    for attempt in await attempts.unsettled(ctx, older_than=grace):
        try:
            settled += await _reconcile(ctx, attempt, grace)
        except ServiceUnavailable:
            return settled  # the payment service is still away: next round
        except (Conflict, PaymentDeclined, OrderNotFound) as exc:
            log.info("attempt_reconciled", attempt=attempt.attempt_key, outcome=repr(exc))
            settled += 1
    return settled


async def _reconcile(ctx: ServiceContext, attempt: attempts.Attempt, grace: timedelta) -> int:
    payment = await clients.payment_of_attempt(ctx, attempt.order_id, attempt.attempt_key)
    if payment is None:
        if utcnow() - attempt.created_at < grace:
            return 0  # the charge may still be on its way
        await attempts.mark(ctx, attempt.attempt_key, AttemptStatus.ABANDONED)
        return 1
    payment_id = str(payment["id"])
    if payment.get("status") != "success":
        await attempts.mark(ctx, attempt.attempt_key, AttemptStatus.DECLINED, payment_id)
        return 1
    order = await get_order(ctx, attempt.order_id, SYSTEM, primary=True)
    if order.status in PAYABLE:
        await settle(ctx, order, attempt.attempt_key, payment)
        return 1
    if order.payment_id != payment_id:
        await clients.refund(ctx, payment_id)  # the order was cancelled or paid meanwhile
    await attempts.mark(ctx, attempt.attempt_key, AttemptStatus.SUCCEEDED, payment_id)
    return 1


async def run_maintenance(
    ctx: ServiceContext, interval: float, grace: timedelta, idempotency: Idempotency
) -> None:
    """Every `interval`: reconcile unknown charges and purge expired idempotency keys."""
    while True:
        try:
            await reconcile_once(ctx, grace)
            await idempotency.purge()
        except Exception as exc:  # e.g. the database: try again next round
            log.warning("maintenance_failed", error=repr(exc))
        await asyncio.sleep(interval)
