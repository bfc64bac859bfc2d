"""Charge attempts: recorded before the payment service is called, so that an attempt whose
answer was lost (timeout, outage) is settled later from what the payment service knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update

from ecart.order.store import payment_attempts
from ecart.platform.db import upsert
from ecart.platform.events import utcnow
from ecart.platform.http.app import ServiceContext


class AttemptStatus(StrEnum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    UNKNOWN = "unknown"  # the payment service did not answer: reconcile
    ABANDONED = "abandoned"  # reconciled: the payment service never charged it


UNSETTLED = (AttemptStatus.STARTED, AttemptStatus.UNKNOWN)


@dataclass(frozen=True)
class Attempt:
    attempt_key: str
    order_id: int
    status: AttemptStatus
    created_at: datetime


async def start(ctx: ServiceContext, attempt_key: str, order_id: int) -> None:
    """Record the attempt (a retry of the same attempt keeps its row)."""
    now = utcnow()
    async with ctx.db.write() as conn:
        await conn.execute(
            upsert(conn, payment_attempts)
            .values(
                attempt_key=attempt_key,
                order_id=order_id,
                status=AttemptStatus.STARTED,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
        )


async def mark(
    ctx: ServiceContext, attempt_key: str, status: AttemptStatus, payment_id: str | None = None
) -> None:
    values: dict[str, object] = {"status": status, "updated_at": utcnow()}
    if payment_id is not None:
        values["payment_id"] = payment_id
    async with ctx.db.write() as conn:
        await conn.execute(
            update(payment_attempts)
            .where(payment_attempts.c.attempt_key == attempt_key)
            .values(**values)
        )


async def unsettled(ctx: ServiceContext, older_than: timedelta, limit: int = 100) -> list[Attempt]:
    """Attempts whose outcome is unknown, or that started longer ago than `older_than` and
    never finished (the process stopped mid-way)."""
    cutoff = utcnow() - older_than
    query = (
        select(payment_attempts)
        .where(
            (payment_attempts.c.status == AttemptStatus.UNKNOWN)
            | (
                (payment_attempts.c.status == AttemptStatus.STARTED)
                & (payment_attempts.c.updated_at <= cutoff)
            )
        )
        .order_by(payment_attempts.c.created_at)
        .limit(limit)
    )
    async with ctx.db.read(primary=True) as conn:
        rows = (await conn.execute(query)).all()
    return [Attempt(r.attempt_key, r.order_id, AttemptStatus(r.status), r.created_at) for r in rows]
