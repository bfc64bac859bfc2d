"""The outbox relay never loses an event, consumers never apply one twice, and a poison
event goes to the dead-letter topic without blocking the ones behind it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy.exc
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update

from ecart.platform.bus import InMemoryBus, Message, dead_letter_topic
from ecart.platform.db import Database
from ecart.platform.events import Envelope, Event, inbox_table, outbox_table
from ecart.platform.metrics import Metrics
from ecart.platform.outbox import OutboxRelay, UnitOfWork, idempotent_consumer
from ecart.platform.transient import ServiceUnavailable

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50)),
    Column("applied", Integer, nullable=False, default=0),
)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


class FlakyBus(InMemoryBus):
    """A real in-memory bus whose first `failures` publishes fail, like a broker that is down."""

    def __init__(self, failures: int) -> None:
        super().__init__(retry_delay=0.01)
        self.failures = failures
        self.attempts = 0

    async def publish(
        self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionError("broker unavailable")
        await super().publish(topic, key, value, headers)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)  # on the suite's backend
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def _wait_for(predicate: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_state_change_and_event_commit_together(db: Database) -> None:
    relay = OutboxRelay(db, InMemoryBus(), outbox)

    async def failing_use_case() -> None:
        async with relay.unit_of_work() as uow:
            await uow.conn.execute(insert(things).values(id=1, name="lost"))
            uow.emit(Event("thing-events", "1", "thing_created", {"id": 1}))
            raise RuntimeError("use case failed after emitting")

    with pytest.raises(RuntimeError):
        await failing_use_case()
    async with db.read() as conn:
        assert await conn.scalar(select(func.count()).select_from(things)) == 0
        assert await conn.scalar(select(func.count()).select_from(outbox)) == 0


async def test_event_survives_a_failing_bus_and_is_published_once(db: Database) -> None:
    bus = FlakyBus(failures=3)
    relay = OutboxRelay(db, bus, outbox, poll_seconds=0.01, max_backoff_seconds=0.05)
    async with relay.unit_of_work() as uow:
        await uow.conn.execute(insert(things).values(id=1, name="kept"))
        uow.emit(Event("thing-events", "1", "thing_created", {"id": 1}))
    relay.start()
    try:
        await _wait_for(lambda: len(bus.messages("thing-events")) == 1)
        # The relay deletes a row once the bus has it, in a transaction of its own: let it
        # finish rather than cancel it half-way (which would leave the row to publish again).
        for _ in range(500):
            async with db.read() as conn:
                if await conn.scalar(select(func.count()).select_from(outbox)) == 0:
                    break
            await asyncio.sleep(0.01)
    finally:
        await relay.stop()
    assert bus.attempts == 4
    (message,) = bus.messages("thing-events")
    envelope = Envelope.model_validate_json(message.value)
    assert envelope.event_type == "thing_created"
    assert message.key == "1"
    async with db.read() as conn:
        assert await conn.scalar(select(func.count()).select_from(outbox)) == 0


class SilentBus(InMemoryBus):
    """A broker that accepts connections and never answers (a blackhole)."""

    async def publish(
        self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
    ) -> None:
        await asyncio.Event().wait()


async def test_a_broker_that_never_answers_is_a_failure_after_the_publish_timeout(
    db: Database,
) -> None:
    """Without a bound the relay waited as long as the client's own timeout (40 s for Kafka)
    and the backlog gauges stayed at 0 meanwhile (found by tests/resilience/
    test_broker_outage.py)."""
    metrics = Metrics("test")
    relay = OutboxRelay(db, SilentBus(), outbox, publish_timeout_seconds=0.05, metrics=metrics)
    for n in (1, 2):
        async with relay.unit_of_work() as uow:
            uow.emit(Event("thing-events", str(n), "thing_created", {"id": n}))
    relay.start()
    try:
        await _wait_for(lambda: metrics.gauge("ecart_outbox_pending")._value.get() == 2)
        for _ in range(200):  # the first publish given up on is recorded as a failed attempt
            async with db.read() as conn:
                if await conn.scalar(select(func.max(outbox.c.attempts))):
                    break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("no failed attempt recorded")
    finally:
        await relay.stop()


async def test_failed_attempts_are_recorded_while_the_bus_is_down(db: Database) -> None:
    relay = OutboxRelay(db, FlakyBus(failures=100), outbox)
    async with relay.unit_of_work() as uow:
        uow.emit(Event("thing-events", "1", "thing_created", {"id": 1}))
    for _ in range(2):
        with pytest.raises(ConnectionError):
            await relay.publish_pending()
    async with db.read() as conn:
        row = (await conn.execute(select(outbox))).one()
    assert row.attempts == 2
    assert "broker unavailable" in row.last_error


async def _apply(uow: UnitOfWork, envelope: Envelope) -> None:
    await uow.conn.execute(
        update(things)
        .where(things.c.id == envelope.data["id"])
        .values(applied=things.c.applied + 1)
    )


async def test_event_delivered_twice_is_applied_once(db: Database) -> None:
    bus = InMemoryBus()
    relay = OutboxRelay(db, bus, outbox)
    async with relay.unit_of_work() as uow:
        await uow.conn.execute(insert(things).values(id=7, name="target", applied=0))
    await bus.subscribe("thing-events", "appliers", idempotent_consumer(relay, inbox, "c", _apply))
    event = Event("thing-events", "7", "thing_touched", {"id": 7})
    for _ in range(2):  # at-least-once: the broker redelivers
        await bus.publish("thing-events", "7", event.to_bytes())
    await bus.publish("thing-events", "7", Event("thing-events", "7", "x", {"id": 7}).to_bytes())
    try:
        await _wait_for(lambda: bus._offsets[("thing-events", "appliers")] == 3)
    finally:
        await bus.stop()
    async with db.read() as conn:
        assert await conn.scalar(select(things.c.applied).where(things.c.id == 7)) == 2
        assert await conn.scalar(select(func.count()).select_from(inbox)) == 2


async def test_poison_event_goes_to_dead_letter_and_does_not_block() -> None:
    bus = InMemoryBus(max_attempts=3, retry_delay=0.001)
    seen: list[bytes] = []

    async def handler(message: Message) -> None:
        if message.value == b"poison":
            raise ValueError("cannot parse")
        seen.append(message.value)

    await bus.subscribe("t", "g", handler)
    await bus.publish("t", "k", b"poison")
    await bus.publish("t", "k", b"good")
    try:
        await _wait_for(lambda: seen == [b"good"])
    finally:
        await bus.stop()
    (dead,) = bus.messages(dead_letter_topic("t"))
    assert dead.value == b"poison"
    assert dead.headers["x-dead-letter-group"] == "g"
    assert "cannot parse" in dead.headers["x-dead-letter-error"]


@pytest.mark.parametrize(
    "transient",
    [
        sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("restarting")),
        sqlalchemy.exc.TimeoutError("QueuePool limit reached"),
        ServiceUnavailable("payment service unavailable"),
        ConnectionResetError("connection reset"),
    ],
    ids=["database-down", "pool-exhausted", "service-down", "connection-reset"],
)
async def test_a_transient_failure_is_waited_out_never_dead_lettered(
    transient: Exception,
) -> None:
    """The database restarting (or a service away) for longer than `max_attempts` tries is
    not the event's fault: it is applied once the failure passes, in order, and nothing goes
    to the dead-letter topic. (Found by tests/resilience/test_database_restart.py: good
    events were dead-lettered, and lost, while PostgreSQL restarted.)"""
    bus = InMemoryBus(max_attempts=2, retry_delay=0.001)
    failures_left = 8
    seen: list[bytes] = []

    async def handler(message: Message) -> None:
        nonlocal failures_left
        if failures_left:
            failures_left -= 1
            raise transient
        seen.append(message.value)

    await bus.subscribe("t", "g", handler)
    await bus.publish("t", "k", b"first")
    await bus.publish("t", "k", b"second")
    try:
        await _wait_for(lambda: seen == [b"first", b"second"])
    finally:
        await bus.stop()
    assert bus.messages(dead_letter_topic("t")) == []


async def test_an_integrity_error_is_not_transient_and_is_dead_lettered() -> None:
    bus = InMemoryBus(max_attempts=2, retry_delay=0.001)

    async def handler(message: Message) -> None:
        raise sqlalchemy.exc.IntegrityError("INSERT", {}, ValueError("duplicate key"))

    await bus.subscribe("t", "g", handler)
    await bus.publish("t", "k", b"bad")
    try:
        await _wait_for(lambda: len(bus.messages(dead_letter_topic("t"))) == 1)
    finally:
        await bus.stop()


async def test_late_subscriber_reads_from_the_start() -> None:
    bus = InMemoryBus()
    await bus.publish("t", "k", b"early")
    got: list[bytes] = []

    async def handler(message: Message) -> None:
        got.append(message.value)

    await bus.subscribe("t", "late", handler)
    try:
        await _wait_for(lambda: got == [b"early"])
    finally:
        await bus.stop()
