"""Unit of work + transactional outbox + the relay that publishes it + idempotent consumers.

A use case opens `unit_of_work()`, changes rows and `emit()`s events; the events are inserted
into the service's `outbox` table in the same transaction as the change. The relay publishes
outbox rows in order, deleting each once the bus has it, and retries with back-off until it
does. Consumers wrapped by `idempotent_consumer` record each `event_id` in the `inbox` table in
the same transaction as their effect, so a redelivered event is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import structlog
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ecart.platform.bus import EventBus, Handler, Message
from ecart.platform.db import Database, upsert
from ecart.platform.events import Envelope, Event, utcnow
from ecart.platform.metrics import Metrics
from ecart.platform.settings import PlatformSettings
from ecart.platform.tracing import Tracing, current_trace_context

log = structlog.get_logger("ecart.outbox")


class UnitOfWork:
    def __init__(self, conn: AsyncConnection, metrics: Metrics | None = None) -> None:
        self.conn = conn
        self.events: list[Event] = []
        self.metrics = metrics or Metrics("unnamed")
        self.counts: list[tuple[str, tuple[str, ...], float]] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def count(self, name: str, *labels: str, amount: float = 1) -> None:
        """Adds to counter `name` once the transaction has committed (never for a rollback)."""
        self.counts.append((name, labels, amount))

    def committed(self) -> None:
        for name, labels, amount in self.counts:
            self.metrics.counter(name, *labels).inc(amount)


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        bus: EventBus,
        outbox: Table,
        *,
        poll_seconds: float = 0.2,
        batch_size: int = 100,
        max_backoff_seconds: float = 5.0,
        publish_timeout_seconds: float = 5.0,
        metrics: Metrics | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        """`publish_timeout_seconds`: how long one publish may take before it counts as a
        failure (a broker that is away would otherwise hold the relay, and its backlog
        gauges, for the client's own timeout, 40 s for Kafka; a publish given up on may
        still arrive, and consumers dedupe it by event id)."""
        self.db = db
        self.tracing = tracing or Tracing("unnamed", PlatformSettings())
        self.bus = bus
        self.outbox = outbox
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.max_backoff_seconds = max_backoff_seconds
        self.publish_timeout_seconds = publish_timeout_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._failures = 0
        self.metrics = metrics or Metrics("unnamed")
        self._backlog_seen_at = float("-inf")

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.write() as conn:
            uow = UnitOfWork(conn, self.metrics)
            yield uow
            trace_context = json.dumps(current_trace_context()) if uow.events else None
            if uow.events:
                await conn.execute(
                    insert(self.outbox),
                    [
                        {
                            "event_id": e.event_id,
                            "topic": e.topic,
                            "key": e.key,
                            "payload": e.to_bytes().decode(),
                            "created_at": e.timestamp,
                            "attempts": 0,
                            "trace_context": trace_context,
                        }
                        for e in uow.events
                    ],
                )
        uow.committed()
        if uow.events:
            self.kick()

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")
            self._watch = asyncio.create_task(self._watch_backlog(), name="outbox-backlog")

    async def stop(self) -> None:
        for task in (self._task, self._watch):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._watch = None

    async def _watch_backlog(self, every_seconds: float = 1.0) -> None:
        """The backlog gauges, once a second, whatever the relay is doing: a publish that
        waits for an absent broker must not hide the backlog it leaves."""
        while True:
            try:
                await self.observe_backlog()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database itself may be away: next second
                log.debug("outbox_backlog_unknown", error=repr(exc))
            await asyncio.sleep(every_seconds)

    async def _run(self) -> None:
        while True:
            try:
                published = await self.publish_pending()
                self._failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._failures += 1
                delay = min(self.poll_seconds * 2**self._failures, self.max_backoff_seconds)
                log.warning("outbox_publish_failed", error=repr(exc), retry_in=delay)
                await asyncio.sleep(delay)
                continue
            if published >= self.batch_size:
                continue
            self._wake.clear()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # races the wake-up, and stop() would then wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()

    async def publish_pending(self) -> int:
        """Publish one batch in order; stop at the first failure (keeping order per key)."""
        table = self.outbox
        async with self.db.read(primary=True) as conn:
            rows = (
                await conn.execute(select(table).order_by(table.c.id).limit(self.batch_size))
            ).all()
        done: list[int] = []
        failure: tuple[int, Exception] | None = None
        for row in rows:
            try:
                stored = json.loads(row.trace_context or "{}")
                with self.tracing.publishing(row.topic, stored) as trace_headers:
                    headers = {**trace_headers, "event_id": row.event_id}
                    async with asyncio.timeout(self.publish_timeout_seconds):
                        await self.bus.publish(row.topic, row.key, row.payload.encode(), headers)
            except Exception as exc:
                failure = (row.id, exc)
                break
            done.append(row.id)
        if done or failure:
            async with self.db.write() as conn:
                if done:
                    await conn.execute(delete(table).where(table.c.id.in_(done)))
                if failure:
                    await conn.execute(
                        update(table)
                        .where(table.c.id == failure[0])
                        .values(attempts=table.c.attempts + 1, last_error=repr(failure[1])[:1000])
                    )
        for row in rows[: len(done)]:
            self.metrics.counter("ecart_events_published_total", row.topic).inc()
        if failure:
            raise failure[1]
        return len(done)

    async def observe_backlog(self, every_seconds: float = 0.0) -> None:
        """Sets the outbox gauges (pending events, age of the oldest), at most once per
        `every_seconds` (one small query)."""
        now = time.monotonic()
        if now - self._backlog_seen_at < every_seconds:
            return
        self._backlog_seen_at = now
        table = self.outbox
        async with self.db.read(primary=True) as conn:
            pending, oldest = (
                await conn.execute(select(func.count(), func.min(table.c.created_at)))
            ).one()
        age = (utcnow() - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
        self.metrics.gauge("ecart_outbox_pending").set(pending)
        self.metrics.gauge("ecart_outbox_oldest_pending_age_seconds").set(max(age, 0.0))


ConsumerEffect = Callable[[UnitOfWork, Envelope], Awaitable[None]]


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def idempotent_consumer(
    relay: OutboxRelay, inbox: Table, consumer: str, effect: ConsumerEffect
) -> Handler:
    """Wrap `effect` so each event_id is applied at most once, atomically with its effect.
    Counts each delivery's outcome (processed, duplicate, failed) on the relay's metrics."""

    def outcome(message: Message, name: str) -> None:
        relay.metrics.counter("ecart_events_consumed_total", message.topic, consumer, name).inc()

    async def handle(message: Message) -> None:
        try:
            with relay.tracing.consuming(message.topic, message.headers):
                applied = await apply(message)
        except Exception:
            outcome(message, "failed")
            raise
        outcome(message, "processed" if applied else "duplicate")

    async def apply(message: Message) -> bool:
        envelope = Envelope.model_validate_json(message.value)
        async with relay.unit_of_work() as uow:
            # Claim the event id first: a concurrent delivery of the same event waits here
            # (PostgreSQL) until this one commits, then finds it taken.
            claimed = await uow.conn.scalar(
                upsert(uow.conn, inbox)
                .values(consumer=consumer, event_id=envelope.event_id, processed_at=utcnow())
                .on_conflict_do_nothing()
                .returning(inbox.c.event_id)
            )
            if claimed is None:
                log.info("duplicate_event_skipped", consumer=consumer, event_id=envelope.event_id)
                return False
            await effect(uow, envelope)
        return True

    return handle
