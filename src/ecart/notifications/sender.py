"""The sender: after the consumers commit, it sends each due pending e-mail and records the
outcome. A failed send stays pending with `attempts`, `last_error` and a back-off
(`next_attempt_at`); nothing is dropped. Each send is claimed first (a lease on
`next_attempt_at`), so two replicas never send the same e-mail at once."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import or_, select, update

from ecart.notifications import domain
from ecart.notifications.domain import Status
from ecart.notifications.smtp import PermanentFailure, Transport
from ecart.notifications.store import notifications
from ecart.platform.db import Database
from ecart.platform.events import utcnow
from ecart.platform.metrics import Metrics

log = structlog.get_logger("ecart.notifications.sender")


class Sender:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        *,
        sender: str,
        retry_base_seconds: float,
        retry_max_seconds: float,
        poll_seconds: float,
        lease_seconds: float,
        batch_size: int = 50,
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        self.metrics = metrics or Metrics("notifications")
        self.transport = transport
        self.sender = sender
        self.retry_base_seconds = retry_base_seconds
        self.retry_max_seconds = retry_max_seconds
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="notifications-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                handled = await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database: try again after a pause
                log.warning("sender_failed", error=repr(exc))
                handled = 0
            if handled >= self.batch_size:
                continue
            with contextlib.suppress(TimeoutError):  # asyncio.timeout: see OutboxRelay._run
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()

    async def send_due(self) -> int:
        """Send one batch of due e-mails, oldest first; returns how many were tried."""
        now = utcnow()
        n = notifications.c
        due = or_(n.next_attempt_at.is_(None), n.next_attempt_at <= now)
        async with self.db.read(primary=True) as conn:  # a replica may lag behind the claims
            rows = (
                await conn.execute(
                    select(notifications)
                    .where(n.status == Status.PENDING, n.recipient.is_not(None), due)
                    .order_by(n.id)
                    .limit(self.batch_size)
                )
            ).all()
        tried = 0
        for row in rows:
            if await self._claim(row.id):
                tried += 1
                await self._send(row)
        return tried

    async def _claim(self, notification_id: int) -> bool:
        now = utcnow()
        n = notifications.c
        async with self.db.write() as conn:
            result = await conn.execute(
                update(notifications)
                .where(
                    n.id == notification_id,
                    n.status == Status.PENDING,
                    or_(n.next_attempt_at.is_(None), n.next_attempt_at <= now),
                )
                .values(next_attempt_at=now + timedelta(seconds=self.lease_seconds))
            )
        return bool(result.rowcount)

    async def _send(self, row: Any) -> None:
        attempts = row.attempts + 1
        try:
            try:
                message = domain.build_message(
                    sender=self.sender,
                    recipient=row.recipient,
                    subject=row.subject,
                    body=row.body,
                    event_id=row.event_id,
                    created_at=row.created_at,
                )
            except ValueError as exc:  # e.g. a line break in an address: it never will be
                raise PermanentFailure(f"cannot build the e-mail: {exc}") from exc
            await self.transport.send(message, row.id)
        except asyncio.CancelledError:
            raise
        except PermanentFailure as exc:
            log.error("notification_refused", notification_id=row.id, error=repr(exc))
            await self._record(row.id, status=Status.FAILED, attempts=attempts, error=exc)
        except Exception as exc:
            delay = domain.backoff(attempts, self.retry_base_seconds, self.retry_max_seconds)
            log.warning(
                "notification_send_failed",
                notification_id=row.id,
                attempts=attempts,
                retry_in=delay,
                error=repr(exc),
            )
            await self._record(
                row.id,
                status=Status.PENDING,
                attempts=attempts,
                error=exc,
                next_attempt_at=utcnow() + timedelta(seconds=delay),
            )
        else:
            log.info("notification_sent", notification_id=row.id, kind=row.kind)
            await self._record(row.id, status=Status.SENT, attempts=attempts, sent=True)
            self.metrics.counter("ecart_notifications_sent_total", str(row.kind)).inc()

    async def _record(
        self,
        notification_id: int,
        *,
        status: Status,
        attempts: int,
        error: Exception | None = None,
        next_attempt_at: datetime | None = None,
        sent: bool = False,
    ) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                update(notifications)
                .where(notifications.c.id == notification_id)
                .values(
                    status=status,
                    attempts=attempts,
                    last_error=repr(error)[:2000] if error is not None else None,
                    next_attempt_at=next_attempt_at,
                    sent_at=utcnow() if sent else None,
                )
            )
