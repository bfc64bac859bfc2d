"""Kafka (aiokafka) as the production event bus, behind the same `EventBus` interface.

- **Producer**: idempotent (`enable_idempotence=True`, `acks="all"`), so a send the client
  retries after a lost acknowledgement is written once. The key is the aggregate id (one
  partition per aggregate: its events stay in order). Headers travel as UTF-8 bytes:
  `event_id` from the outbox relay, and `traceparent` when the caller puts one in `headers`
  (there is no tracing yet; the bus passes it through untouched so a tracer can add it).
- **Consumers**: one per (topic, group), in the Kafka consumer group `group`, so every
  group gets every message and a group new to a topic starts from the earliest offset.
  Auto-commit is off: a message's offset is committed only after its handler returned,
  and the handler (`idempotent_consumer`) has already committed its effect and inbox row.
  A crash between the two means redelivery, and the inbox turns it into a no-op.
- **Failures**: the shared `deliver` loop retries a failing handler with back-off, then
  publishes the message to `<topic>.dlq` with `x-dead-letter-*` headers and commits.
  If even that fails (broker gone), the consumer seeks back and tries the message again.
- **Topics** are created when missing (at `start()` for the ones given, else on first
  publish or subscribe), with the configured partitions and replication factor, each with
  its `.dlq`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # type: ignore[import-untyped]
from aiokafka.structs import TopicPartition  # type: ignore[import-untyped]

from ecart.platform.bus import Handler, Message, dead_letter_topic, deliver

log = structlog.get_logger("ecart.bus.kafka")

TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code


class KafkaBus:
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        partitions: int = 3,
        replication_factor: int = 1,
        topics: Iterable[str] = (),
        client_id: str = "ecart",
        max_attempts: int = 5,
        retry_delay: float = 0.2,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.client_id = client_id
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self._initial_topics = list(topics)
        self._known_topics: set[str] = set()
        self._topics_lock = asyncio.Lock()
        self._producer: Any = None
        self._admin: Any = None
        self._consumers: dict[tuple[str, str], tuple[Any, asyncio.Task[None]]] = {}

    async def start(self) -> None:
        if self._producer is not None:
            return
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers, client_id=f"{self.client_id}-admin"
        )
        await self._admin.start()
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            enable_idempotence=True,
            acks="all",
        )
        await producer.start()
        self._producer = producer
        await self.ensure_topics(self._initial_topics)
        log.info("kafka_bus_started", bootstrap_servers=self.bootstrap_servers)

    async def stop(self) -> None:
        for topic, group in list(self._consumers):
            await self.unsubscribe(topic, group)
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.flush()
            await producer.stop()
        admin, self._admin = self._admin, None
        if admin is not None:
            await admin.close()
        self._known_topics.clear()

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        """Create each topic and its `.dlq` unless the cluster already has them."""
        wanted = set()
        for topic in topics:
            wanted.add(topic)
            if not topic.endswith(".dlq"):
                wanted.add(dead_letter_topic(topic))
        if wanted <= self._known_topics:
            return
        if self._admin is None:
            raise RuntimeError("KafkaBus.start() was not called")
        async with self._topics_lock:
            self._known_topics.update(await self._admin.list_topics())
            missing = sorted(wanted - self._known_topics)
            if missing:
                response = await self._admin.create_topics(
                    [NewTopic(name, self.partitions, self.replication_factor) for name in missing]
                )
                for name, code, *rest in response.topic_errors:
                    if code not in (0, TOPIC_ALREADY_EXISTS):
                        raise RuntimeError(f"cannot create Kafka topic {name}: {code} {rest}")
                log.info("kafka_topics_created", topics=missing, partitions=self.partitions)
            self._known_topics.update(wanted)

    async def publish(
        self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
    ) -> None:
        if self._producer is None:
            raise RuntimeError("KafkaBus.start() was not called")
        await self.ensure_topics([topic])
        await self._producer.send_and_wait(
            topic,
            value=value,
            key=key.encode(),
            headers=[(name, text.encode()) for name, text in (headers or {}).items()],
        )

    async def subscribe(self, topic: str, group: str, handler: Handler) -> None:
        if (topic, group) in self._consumers:
            raise ValueError(f"group {group!r} already consumes {topic!r} in this process")
        await self.ensure_topics([topic])
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=self.bootstrap_servers,
            client_id=f"{self.client_id}-{group}",
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        task = asyncio.create_task(
            self._consume(consumer, group, handler), name=f"kafka:{topic}:{group}"
        )
        self._consumers[(topic, group)] = (consumer, task)

    async def unsubscribe(self, topic: str, group: str) -> None:
        entry = self._consumers.pop((topic, group), None)
        if entry is None:
            return
        consumer, task = entry
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()  # leaves the group; nothing is committed on the way out

    async def _consume(self, consumer: Any, group: str, handler: Handler) -> None:
        failures = 0
        while True:
            record = None
            try:
                record = await consumer.getone()
                message = Message(
                    topic=record.topic,
                    key=(record.key or b"").decode(errors="replace"),
                    value=record.value or b"",
                    headers={k: (v or b"").decode(errors="replace") for k, v in record.headers},
                )
                await deliver(self, message, group, handler, self.max_attempts, self.retry_delay)
                # Only now: the handler has committed its effect (and inbox row) already.
                await consumer.commit({_partition(record): record.offset + 1})
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A fetch, the dead-letter publish or the commit failed (broker down, or a
                # rebalance took the partition away): read the message again later; the
                # inbox makes a second run harmless.
                failures += 1
                log.warning(
                    "kafka_consume_failed",
                    group=group,
                    topic=getattr(record, "topic", None),
                    offset=getattr(record, "offset", None),
                    error=repr(exc),
                )
                if record is not None:
                    with contextlib.suppress(Exception):  # not ours any more: nothing to redo
                        consumer.seek(_partition(record), record.offset)
                await asyncio.sleep(min(self.retry_delay * 2**failures, 10.0))


def _partition(record: Any) -> Any:
    return TopicPartition(record.topic, record.partition)
