"""Kafka (aiokafka) as the production event bus, behind the same `EventBus` interface.

- **Producer**: idempotent (`enable_idempotence=True`, `acks="all"`), so a send the client
  retries after a lost acknowledgement is written once. The key is the aggregate id (one
  partition per aggregate: its events stay in order). Headers travel as UTF-8 bytes:
  `event_id` from the outbox relay, and `traceparent` when the caller puts one in `headers`
  (there is no tracing yet; the bus passes it through untouched so a tracer can add it).
- **Consumers**: one per consumer group in a process, subscribed to every topic the group
  consumes here (a handler per topic), so every group gets every message, a group new to a
  topic starts from the earliest offset, and adding a topic costs one quick rejoin instead
  of a rebalance across several members of the same group.
  Auto-commit is off: a message's offset is committed only after its handler returned,
  and the handler (`idempotent_consumer`) has already committed its effect and inbox row.
  A crash between the two means redelivery, and the inbox turns it into a no-op.
- **Failures**: the shared `deliver` loop retries a failing handler with back-off, then
  publishes the message to `<topic>.dlq` with `x-dead-letter-*` headers and commits.
  If even that fails (broker gone), the consumer seeks back and tries the message again.
- **Namespace** (`ECART_NAMESPACE`): when set, every topic and consumer group on the broker
  is `<namespace>.<name>`, so several shops (staging and a demo, or parallel test runs) can
  share one cluster; handlers still see the plain topic name.
- **Topics** are created when missing (at `start()` for the ones given, else on first
  publish or subscribe), with the configured partitions and replication factor, each with
  its `.dlq`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import (  # type: ignore[import-untyped]
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
)
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # type: ignore[import-untyped]
from aiokafka.errors import (  # type: ignore[import-untyped]
    KafkaConnectionError,
    OutOfOrderSequenceNumber,
)
from aiokafka.structs import TopicPartition  # type: ignore[import-untyped]

from ecart.platform.bus import (
    BusUnavailable,
    DeadLetterHook,
    Handler,
    Message,
    dead_letter_topic,
    deliver,
)

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
        namespace: str = "",
        max_attempts: int = 5,
        retry_delay: float = 0.2,
        heartbeat_ms: int = 1000,
        connect_timeout: float = 30.0,
        security: Mapping[str, Any] | None = None,
    ) -> None:
        """`security`: aiokafka's security_protocol, sasl_* and ssl_context options, given to
        every client (see `ecart.platform.runtime.kafka_security`)."""
        self.bootstrap_servers = bootstrap_servers
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.client_id = client_id
        self.prefix = f"{namespace}." if namespace else ""
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self._initial_topics = list(topics)
        self._known_topics: set[str] = set()
        self._topics_lock = asyncio.Lock()
        self._producer: Any = None
        self._stale_producer = False
        self._admin: Any = None
        self.heartbeat_ms = heartbeat_ms
        self.connect_timeout = connect_timeout
        self.client_options: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers,
            **(security or {}),
        }
        self._groups: dict[str, _GroupMember] = {}

    async def start(self) -> None:
        """Connects, waiting up to `connect_timeout` for a broker that is still starting
        (compose and Kubernetes start everything at once); then `BusUnavailable`."""
        if self._producer is not None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.connect_timeout
        for attempt in itertools.count(1):
            try:
                await self._connect()
                break
            except KafkaConnectionError as exc:
                if loop.time() >= deadline:
                    # aiokafka reports refused SASL credentials as a failed bootstrap too.
                    credentials = (
                        " or it refused the SASL credentials (ECART_KAFKA_SASL_USERNAME/PASSWORD)"
                        if "sasl_mechanism" in self.client_options
                        else ""
                    )
                    raise BusUnavailable(
                        f"cannot reach Kafka at {self.bootstrap_servers} "
                        f"(ECART_KAFKA_BOOTSTRAP_SERVERS) after {self.connect_timeout:g} s"
                        f"{credentials}"
                    ) from exc
                log.warning("kafka_unreachable", servers=self.bootstrap_servers, attempt=attempt)
                await asyncio.sleep(min(0.25 * 2**attempt, 5.0, max(0.0, deadline - loop.time())))
        await self.ensure_topics(self._initial_topics)
        log.info("kafka_bus_started", bootstrap_servers=self.bootstrap_servers)

    async def _connect(self) -> None:
        admin = AIOKafkaAdminClient(**self.client_options, client_id=f"{self.client_id}-admin")
        producer = AIOKafkaProducer(
            **self.client_options,
            client_id=self.client_id,
            enable_idempotence=True,
            acks="all",
        )
        try:
            await admin.start()
            await producer.start()
        except BaseException:
            await producer.stop()
            await admin.close()
            raise
        self._admin, self._producer = admin, producer

    async def stop(self) -> None:
        for group in list(self._groups):
            await self._leave(group)  # at once: no rebalance per topic on the way out
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.flush()
            await producer.stop()
        admin, self._admin = self._admin, None
        if admin is not None:
            await admin.close()
        self._known_topics.clear()

    def on_broker(self, name: str) -> str:
        """The broker's name for a topic or consumer group of this shop."""
        return f"{self.prefix}{name}"

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        """Create each topic and its `.dlq` unless the cluster already has them."""
        wanted = set()
        for topic in topics:
            wanted.add(self.on_broker(topic))
            if not topic.endswith(".dlq"):
                wanted.add(self.on_broker(dead_letter_topic(topic)))
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
                await self._until_served(missing)
                log.info("kafka_topics_created", topics=missing, partitions=self.partitions)
            self._known_topics.update(wanted)

    async def _until_served(self, names: list[str], within: float = 10.0) -> None:
        """Waits until the broker's metadata shows every partition of `names` with a leader.
        A group that joins before its broker knows a topic it subscribes to is assigned
        nothing of it until its next metadata refresh (`metadata_max_age_ms`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            described = await self._admin.describe_topics(names)
            served = {
                t["topic"]
                for t in described
                if t["error_code"] == 0
                and t["partitions"]
                and all(p["leader"] >= 0 for p in t["partitions"])
            }
            if served >= set(names) or loop.time() >= deadline:
                return
            await asyncio.sleep(0.05)

    async def publish(
        self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
    ) -> None:
        if self._producer is None:
            raise RuntimeError("KafkaBus.start() was not called")
        if self._stale_producer:
            await self._replace_producer()
        await self.ensure_topics([topic])
        try:
            await self._producer.send_and_wait(
                self.on_broker(topic),
                value=value,
                key=key.encode(),
                headers=[(name, text.encode()) for name, text in (headers or {}).items()],
            )
        except OutOfOrderSequenceNumber:
            # Fatal for an idempotent producer (its sequence numbers no longer match the
            # broker's, e.g. after sends given up during a long broker outage): every later
            # send fails the same way. The next publish starts a new producer, with a new
            # sequence; the caller retries (consumers dedupe by event id).
            self._stale_producer = True
            raise

    async def _replace_producer(self) -> None:
        """A new idempotent producer in place of one that cannot send any more (started
        first: if the broker is away this raises and the old one stays until next time)."""
        producer = AIOKafkaProducer(
            **self.client_options, client_id=self.client_id, enable_idempotence=True, acks="all"
        )
        try:
            await producer.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await producer.stop()
            raise
        old, self._producer = self._producer, producer
        self._stale_producer = False
        log.warning("kafka_producer_replaced", reason="OutOfOrderSequenceNumber")
        with contextlib.suppress(Exception):
            await old.stop()

    async def subscribe(
        self,
        topic: str,
        group: str,
        handler: Handler,
        on_dead_letter: DeadLetterHook | None = None,
    ) -> None:
        """Adds `topic` to the group's one consumer in this process (started on first use)."""
        name = self.on_broker(topic)
        member = self._groups.get(group)
        if member is not None and name in member.handlers:
            raise ValueError(f"group {group!r} already consumes {topic!r} in this process")
        await self.ensure_topics([topic])
        if member is not None:
            member.handlers[name] = handler
            member.hooks[name] = on_dead_letter
            self._resubscribe(member, group)  # one quick rejoin, in the background
            return
        consumer = AIOKafkaConsumer(
            **self.client_options,
            client_id=f"{self.client_id}-{group}",
            group_id=self.on_broker(group),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            heartbeat_interval_ms=self.heartbeat_ms,
            # A topic (or partitions) the group's metadata missed when it joined is picked up
            # at the next refresh: every 5 s instead of aiokafka's 5 minutes.
            metadata_max_age_ms=5000,
        )
        await consumer.start()
        member = _GroupMember(consumer, {name: handler}, {name: on_dead_letter})
        self._groups[group] = member
        self._resubscribe(member, group)
        member.task = asyncio.create_task(self._consume(member, group), name=f"kafka:{group}")

    def _resubscribe(self, member: _GroupMember, group: str) -> None:
        """Has the group's consumer follow its handlers' topics, one rebalance at a time.

        aiokafka's fetcher dies (an `AssertionError` in its routine, after which the consumer
        never fetches again) when the subscription changes a second time before the first
        change's assignment arrived, which a service subscribing to three topics in a row
        did. So one task per group applies the topics, waits for the group to assign them,
        and applies again only if they changed meanwhile: quick successive subscribes cost
        at most two rebalances. `subscribe` does not wait for it: a group new to a topic
        starts from its earliest offset, so nothing published meanwhile is missed.
        """
        member.changed.set()
        if member.settler is None or member.settler.done():
            member.settler = asyncio.create_task(
                self._settle(member, group), name=f"kafka:{group}:subscription"
            )

    async def _settle(self, member: _GroupMember, group: str) -> None:
        while member.changed.is_set():
            member.changed.clear()
            assigned = asyncio.Event()
            member.consumer.subscribe(topics=sorted(member.handlers), listener=_Assigned(assigned))
            try:
                await asyncio.wait_for(assigned.wait(), self.connect_timeout)
            except TimeoutError:
                log.warning(
                    "kafka_rebalance_slow", group=group, waited_seconds=self.connect_timeout
                )
            await asyncio.sleep(0)  # the fetcher takes the assignment before any next change

    async def unsubscribe(self, topic: str, group: str) -> None:
        member = self._groups.get(group)
        if member is None or member.handlers.pop(self.on_broker(topic), None) is None:
            return
        member.hooks.pop(self.on_broker(topic), None)
        if member.handlers:
            self._resubscribe(member, group)
            return
        await self._leave(group)

    async def _leave(self, group: str) -> None:
        member = self._groups.pop(group)
        for task in (member.settler, member.task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await member.consumer.stop()  # leaves the group; nothing is committed on the way out

    def lag(self, group: str) -> dict[str, int]:
        """Messages behind per topic, as of the last record this process handled."""
        member = self._groups.get(group)
        if member is None:
            return {}
        totals = dict.fromkeys((n.removeprefix(self.prefix) for n in member.handlers), 0)
        for partition, behind in member.behind.items():
            topic = partition.topic.removeprefix(self.prefix)
            if topic in totals:
                totals[topic] += behind
        return totals

    async def _consume(self, member: _GroupMember, group: str) -> None:
        consumer = member.consumer
        failures = 0
        while True:
            record = None
            try:
                record = await consumer.getone()
                handler = member.handlers.get(record.topic)
                if handler is None:  # unsubscribed while the record was on its way
                    continue
                message = Message(
                    topic=record.topic.removeprefix(self.prefix),
                    key=(record.key or b"").decode(errors="replace"),
                    value=record.value or b"",
                    headers={k: (v or b"").decode(errors="replace") for k, v in record.headers},
                )
                await deliver(
                    self,
                    message,
                    group,
                    handler,
                    self.max_attempts,
                    self.retry_delay,
                    member.hooks.get(record.topic),
                )
                # Only now: the handler has committed its effect (and inbox row) already.
                partition = _partition(record)
                await consumer.commit({partition: record.offset + 1})
                highwater = consumer.highwater(partition)
                if highwater is not None:
                    member.behind[partition] = max(highwater - record.offset - 1, 0)
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


@dataclass
class _GroupMember:
    """This process's one consumer in a consumer group, and the handler of each topic."""

    consumer: Any
    handlers: dict[str, Handler]  # by the topic's name on the broker
    hooks: dict[str, DeadLetterHook | None]
    task: asyncio.Task[None] | None = None
    settler: asyncio.Task[None] | None = None  # applies `handlers` to the subscription
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    behind: dict[Any, int] = field(default_factory=dict)  # by partition, after the last record


class _Assigned(ConsumerRebalanceListener):  # type: ignore[misc]
    """Sets `event` when the group hands this consumer its (new) partitions."""

    def __init__(self, event: asyncio.Event) -> None:
        self.event = event

    def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.event.set()


def _partition(record: Any) -> Any:
    return TopicPartition(record.topic, record.partition)
