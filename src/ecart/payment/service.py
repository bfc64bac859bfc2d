"""Payment use cases: charge through the simulated provider, look payments up, refund."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ecart.payment.config import PaymentSettings
from ecart.payment.domain import (
    DECLINED_METHOD,
    PaymentStatus,
    RandomSource,
    charge,
    refund_action,
)
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


class AttemptConflict(Exception):
    """An attempt key already charged a different order, account or amount."""


async def create_payment(
    ctx: ServiceContext,
    **request: Any,
) -> tuple[Row[Any], bool]:
    """Charge `amount` for `order_id`: (payment, created); see `_create_payment`. Two
    concurrent first attempts with one key: the loser of the unique key answers as a retry."""
    try:
        return await _create_payment(ctx, **request)
    except IntegrityError:
        if request.get("attempt_key") is None:
            raise
        return await _create_payment(ctx, **request)


async def _create_payment(
    ctx: ServiceContext,
    *,
    order_id: int,
    user_id: str,
    amount: Decimal,
    method: str | None,
    attempt_key: str | None = None,
) -> tuple[Row[Any], bool]:
    """Charge `amount` for `order_id`: (payment, created). With an `attempt_key` already used
    for the same charge, the existing payment comes back and nothing is charged again.
    Raises UnknownPaymentMethod, AttemptConflict. Only these fields are stored: a card number
    or CVV never reaches this function."""
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
        "attempt_key": attempt_key,
    }
    async with ctx.unit_of_work() as uow:
        if attempt_key is not None:
            query = select(payments).where(payments.c.attempt_key == attempt_key)
            existing: Row[Any] | None = (await uow.conn.execute(query)).one_or_none()
            if existing is not None:
                same = (existing.order_id, existing.user_id, existing.amount_cents) == (
                    order_id,
                    user_id,
                    values["amount_cents"],
                )
                if not same:
                    raise AttemptConflict(attempt_key)
                return existing, False
        result = await uow.conn.execute(payments.insert().values(values).returning(payments))
        row: Row[Any] = result.one()
        uow.emit(payment_event(_EVENT_OF_STATUS[status], row))
        if status is PaymentStatus.FAILED:
            reason = "declined_card" if method == DECLINED_METHOD else "provider"
            uow.count("ecart_payment_declines_total", reason)
    return row, True


async def find_payment(ctx: ServiceContext, payment_id: str) -> Row[Any] | None:
    canonical = parse_payment_id(payment_id)
    if canonical is None:
        return None
    async with ctx.db.read() as conn:
        result = await conn.execute(select(payments).where(payments.c.id == canonical))
        return result.one_or_none()


async def latest_payment_of_order(
    ctx: ServiceContext, order_id: int, attempt_key: str | None = None
) -> Row[Any] | None:
    """The order's most recent payment (of one attempt, when `attempt_key` is given)."""
    query = (
        select(payments)
        .where(payments.c.order_id == order_id)
        .order_by(payments.c.created_at.desc())
        .limit(1)
    )
    if attempt_key is not None:
        query = query.where(payments.c.attempt_key == attempt_key)
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
