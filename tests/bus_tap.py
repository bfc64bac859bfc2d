"""What a test shop's event bus carried, whichever bus it runs on.

On the in-memory bus that is the bus's own log. On Kafka it is what a consumer of the shop's
namespace read: one consumer (its own group) subscribed by pattern to every topic of the
namespace, from the earliest offset, so it also sees topics created after it started.
Kafka delivery is asynchronous: read `messages()` inside `eventually(...)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import defaultdict
from typing import Any

from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]

from ecart.platform.bus import EventBus, InMemoryBus, Message
from ecart.platform.kafka_bus import KafkaBus


class BusTap:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._seen: dict[str, list[Message]] = defaultdict(list)
        self._consumer: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if not isinstance(self.bus, KafkaBus):
            return
        if not self.bus.prefix:
            raise ValueError("tapping Kafka needs a namespace: the tap would read other shops")
        consumer = AIOKafkaConsumer(
            **self.bus.client_options,
            group_id=self.bus.on_broker("test-tap"),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=250,  # new topics of the namespace are picked up quickly
        )
        consumer.subscribe(pattern=f"^{re.escape(self.bus.prefix)}.*")
        await consumer.start()
        self._consumer = consumer
        self._task = asyncio.create_task(self._read(), name="bus-tap")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    def messages(self, topic: str) -> list[Message]:
        """What `topic` carried so far (on Kafka: what the tap has read so far)."""
        if isinstance(self.bus, InMemoryBus):
            return self.bus.messages(topic)
        return list(self._seen[topic])

    async def _read(self) -> None:
        assert isinstance(self.bus, KafkaBus)
        while True:
            batches = await self._consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    topic = record.topic.removeprefix(self.bus.prefix)
                    self._seen[topic].append(
                        Message(
                            topic=topic,
                            key=(record.key or b"").decode(errors="replace"),
                            value=record.value or b"",
                            headers={k: (v or b"").decode() for k, v in record.headers},
                        )
                    )
