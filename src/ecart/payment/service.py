"""Payment use cases: charge through the simulated provider, look payments up, refund."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import Row

from ecart.payment.config import PaymentSettings
from ecart.payment.domain import PaymentStatus, RandomSource, charge, refund_action
from ecart.payment.events import (
    PAYMENT_FAILED,
    PAYMENT_REFUNDED,
    PAYMENT_SUCCEEDED,
    payment_event,
)
from ecart.payment.store import payments
from ecart.platform.events import utcnow
from ecart.platform.http.app import ServiceContext
from ecart.platform.money import to_cents

RANDOM_KEY = "random"
"""`ctx.state[RANDOM_KEY]`, when set, replaces the provider's random source (tests)."""
_system_random = random.SystemRandom()
_EVENT_OF_STATUS = {
    PaymentStatus.SUCCESS: PAYMENT_SUCCEEDED,
    PaymentStatus.FAILED: PAYMENT_FAILED,
}


def _random(ctx: ServiceContext) -> RandomSource:
    return cast(RandomSource, ctx.state.get(RANDOM_KEY, _system_random.random))


def parse_payment_id(raw: str) -> str | None:
    """The canonical form of a payment id, or None when it is not a UUID."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


async def create_payment(
    ctx: ServiceContext, *, order_id: int, user_id: str, amount: Decimal, method: str | None
) -> Row[Any]:
    """Charge `amount` for `order_id`; raises UnknownPaymentMethod. Only these fields are
    stored: a card number or CVV never reaches this function."""
    settings = cast(PaymentSettings, ctx.settings)
    status = charge(method, success_rate=settings.success_rate, random=_random(ctx))
    values = {
        "id": str(uuid.uuid4()),
        "order_id": order_id,
        "user_id": user_id,
        "amount_cents": to_cents(amount),
        "status": status.value,
        "payment_method": method,
        "created_at": utcnow(),
        "refunded_at": None,
    }
    async with ctx.unit_of_work() as uow:
        result = await uow.conn.execute(payments.insert().values(values).returning(payments))
        row: Row[Any] = result.one()
        uow.emit(payment_event(_EVENT_OF_STATUS[status], row))
    return row


async def find_payment(ctx: ServiceContext, payment_id: str) -> Row[Any] | None:
    canonical = parse_payment_id(payment_id)
    if canonical is None:
        return None
    async with ctx.db.read() as conn:
        result = await conn.execute(select(payments).where(payments.c.id == canonical))
        return result.one_or_none()


async def latest_payment_of_order(ctx: ServiceContext, order_id: int) -> Row[Any] | None:
    query = (
        select(payments)
        .where(payments.c.order_id == order_id)
        .order_by(payments.c.created_at.desc())
        .limit(1)
    )
    async with ctx.db.read() as conn:
        return (await conn.execute(query)).one_or_none()


async def refund_payment(ctx: ServiceContext, payment_id: str) -> Row[Any] | None:
    """The refunded payment (unchanged when it already was); None when there is no such
    payment; raises RefundNotAllowed for a failed one."""
    canonical = parse_payment_id(payment_id)
    if canonical is None:
        return None
    async with ctx.unit_of_work() as uow:
        query = select(payments).where(payments.c.id == canonical).with_for_update()
        row: Row[Any] | None = (await uow.conn.execute(query)).one_or_none()
        if row is None or refund_action(row.status) == "already_refunded":
            return row
        result = await uow.conn.execute(
            update(payments)
            .where(payments.c.id == canonical)
            .values(status=PaymentStatus.REFUNDED.value, refunded_at=utcnow())
            .returning(payments)
        )
        row = result.one()
        uow.emit(payment_event(PAYMENT_REFUNDED, row))
    return row
