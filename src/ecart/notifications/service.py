"""Notification use cases: turn events into queued e-mails (consumer effects, run in the
consumer's unit of work together with its inbox record), keep the recipients projection, and
answer the admin's queries. Sending is the sender's job, after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import desc, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ecart.notifications import domain
from ecart.notifications.domain import Draft, Kind, Status
from ecart.notifications.events import (
    PAYMENT_REFUNDED,
    USER_REGISTERED,
    OrderEventData,
    PaymentRefunded,
    UserRegistered,
)
from ecart.notifications.store import dead_letters, inbox, notifications, recipients
from ecart.platform.db import Database, lock_key, upsert
from ecart.platform.events import Envelope, utcnow
from ecart.platform.outbox import UnitOfWork

log = structlog.get_logger("ecart.notifications")
WAITING_FOR_ADDRESS = "waiting for the recipient's address (user-events)"


class NotificationNotFound(Exception):
    pass


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str


async def _recipient(conn: AsyncConnection, user_id: str) -> Recipient | None:
    row = (
        await conn.execute(select(recipients).where(recipients.c.user_id == user_id))
    ).one_or_none()
    return Recipient(row.email, row.name) if row is not None else None


async def _queue(
    uow: UnitOfWork,
    envelope: Envelope,
    kind: Kind,
    *,
    user_id: str,
    order_id: int,
    payment_id: str | None,
    draft: Draft,
) -> None:
    recipient = await _recipient(uow.conn, user_id)
    await uow.conn.execute(
        insert(notifications).values(
            event_id=envelope.event_id,
            kind=kind,
            user_id=user_id,
            order_id=order_id,
            payment_id=payment_id,
            recipient=recipient.email if recipient else None,
            subject=draft.subject,
            body=draft.body,
            status=Status.PENDING,
            attempts=0,
            last_error=None if recipient else WAITING_FOR_ADDRESS,
            created_at=utcnow(),
        )
    )
    log.info("notification_queued", kind=str(kind), order_id=order_id, waiting=not recipient)


async def on_order_event(uow: UnitOfWork, envelope: Envelope) -> None:
    if envelope.event_type not in domain.ORDER_EVENT_TYPES:
        return
    data = OrderEventData.model_validate(envelope.data)
    kind = domain.order_kind(envelope.event_type, data.status)
    if kind is None:
        return
    if kind == Kind.PAYMENT_RECEIPT and data.payment_id:
        await lock_key(uow.conn, "payment", data.payment_id)  # see on_payment_event
    recipient = await _recipient(uow.conn, data.user_id)
    draft = domain.order_email(kind, data.facts(), recipient.name if recipient else None)
    await _queue(
        uow,
        envelope,
        kind,
        user_id=data.user_id,
        order_id=data.order_id,
        payment_id=data.payment_id,
        draft=draft,
    )


async def on_payment_event(uow: UnitOfWork, envelope: Envelope) -> None:
    """A refunded payment is worth its own e-mail only when it was not the order's payment
    (the order's payment receipt names it): then `order_refunded` tells the customer already.
    Otherwise the charge never reached the order (its reservation expired meanwhile, or
    another payment won) and no order e-mail mentions the refund."""
    if envelope.event_type != PAYMENT_REFUNDED:
        return
    data = PaymentRefunded.model_validate(envelope.data)
    # The receipt may be being queued by the order-events consumer right now (PostgreSQL
    # runs both at once): wait for it, so that it is seen once it commits.
    await lock_key(uow.conn, "payment", data.payment_id)
    receipt = await uow.conn.scalar(
        select(notifications.c.id).where(
            notifications.c.payment_id == data.payment_id,
            notifications.c.kind == Kind.PAYMENT_RECEIPT,
        )
    )
    if receipt is not None:
        return
    recipient = await _recipient(uow.conn, data.user_id)
    draft = domain.refund_email(
        data.order_id, data.payment_id, data.amount, recipient.name if recipient else None
    )
    await _queue(
        uow,
        envelope,
        Kind.PAYMENT_REFUNDED,
        user_id=data.user_id,
        order_id=data.order_id,
        payment_id=data.payment_id,
        draft=draft,
    )


async def on_user_event(uow: UnitOfWork, envelope: Envelope) -> None:
    """Keep the address book, and address the e-mails that were waiting for it."""
    if envelope.event_type != USER_REGISTERED:
        return
    user = UserRegistered.model_validate(envelope.data)
    now = utcnow()
    values = {"email": user.email, "name": user.name, "updated_at": now}
    await uow.conn.execute(
        upsert(uow.conn, recipients)
        .values(user_id=user.user_id, **values)
        .on_conflict_do_update(index_elements=[recipients.c.user_id], set_=values)
    )
    waiting = (
        await uow.conn.execute(
            select(notifications.c.id, notifications.c.body).where(
                notifications.c.user_id == user.user_id,
                notifications.c.status == Status.PENDING,
                notifications.c.recipient.is_(None),
            )
        )
    ).all()
    for row in waiting:
        await uow.conn.execute(
            update(notifications)
            .where(notifications.c.id == row.id)
            .values(
                recipient=user.email,
                body=domain.regreet(row.body, user.name),
                last_error=None,
                next_attempt_at=None,
            )
        )


async def record_dead_letter(
    db: Database,
    *,
    topic: str,
    key: str,
    payload: bytes,
    error: str,
    event_id: str | None,
    consumer: str,
    created_at: datetime | None = None,
) -> None:
    """Keep a message that cannot be handled, with why. When its event id is known it is also
    marked processed in the inbox (same transaction), so a redelivery is skipped."""
    async with db.write() as conn:
        if event_id is not None:
            claimed = await conn.scalar(
                upsert(conn, inbox)
                .values(consumer=consumer, event_id=event_id, processed_at=utcnow())
                .on_conflict_do_nothing()
                .returning(inbox.c.event_id)
            )
            if claimed is None:
                return  # a redelivery of a message already handled or dead-lettered
        await conn.execute(
            insert(dead_letters).values(
                topic=topic,
                key=key[:200],
                event_id=event_id,
                payload=payload.decode("utf-8", errors="replace")[:100_000],
                error=error[:2000],
                created_at=created_at or utcnow(),
            )
        )


async def list_notifications(
    db: Database, *, skip: int, limit: int, status: Status | None = None
) -> list[Any]:
    query = select(notifications).order_by(desc(notifications.c.id))
    if status is not None:
        query = query.where(notifications.c.status == status)
    async with db.read() as conn:
        return list((await conn.execute(query.offset(skip).limit(limit))).all())


async def get_notification(db: Database, notification_id: int) -> Any:
    async with db.read() as conn:
        row = (
            await conn.execute(select(notifications).where(notifications.c.id == notification_id))
        ).one_or_none()
    if row is None:
        raise NotificationNotFound(notification_id)
    return row


async def list_dead_letters(db: Database, *, skip: int, limit: int) -> list[Any]:
    query = select(dead_letters).order_by(desc(dead_letters.c.id)).offset(skip).limit(limit)
    async with db.read() as conn:
        return list((await conn.execute(query)).all())
