"""The event bus: topics, keys, headers, consumer groups, at-least-once delivery.

`InMemoryBus` is the embedded default. It keeps an append-only log per topic and an offset
per consumer group (as Kafka does), so a group that subscribes late still reads from the
start, and a handler that keeps failing sends the message to `<topic>.dlq` and moves on.
`KafkaBus` (`kafka_bus.py`) is the production backend; both run each message through
`deliver` (retry with back-off, then the dead-letter topic). `ECART_BUS` picks one
(`ecart.platform.runtime.create_bus`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from ecart.platform.transient import is_transient

log = structlog.get_logger("ecart.bus")
MAX_TRANSIENT_DELAY = 5.0
"""Longest pause between two tries of a message whose failure is transient."""


@dataclass(frozen=True)
class Message:
    topic: str
    key: str
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Message], Awaitable[None]]
DeadLetterHook = Callable[[Message], None]  # told when a message goes to `<topic>.dlq`


class BusUnavailable(RuntimeError):
    """The bus could not be reached at start-up (after waiting for it)."""


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


class EventBus(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(
        self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
    ) -> None: ...

    async def subscribe(
        self,
        topic: str,
        group: str,
        handler: Handler,
        on_dead_letter: DeadLetterHook | None = None,
    ) -> None:
        """Deliver every message of `topic` to `handler`, once per group, at least once."""
        ...

    async def unsubscribe(self, topic: str, group: str) -> None: ...

    def lag(self, group: str) -> dict[str, int]:
        """Messages behind, per topic the group consumes in this process (as last seen)."""
        ...


async def deliver(
    bus: EventBus,
    message: Message,
    group: str,
    handler: Handler,
    max_attempts: int,
    retry_delay: float,
    on_dead_letter: DeadLetterHook | None = None,
) -> None:
    """Run `handler` on `message`, retrying with a growing delay; after `max_attempts`
    failures publish it to `<topic>.dlq` (with `x-dead-letter-group` and
    `x-dead-letter-error` headers) on `bus` and return, so the consumer moves on.
    A transient failure (the database restarting, a service unreachable: see
    `ecart.platform.transient`) is not the message's fault: it is retried for as long as it
    lasts (back-off up to `MAX_TRANSIENT_DELAY` s) and never dead-lettered; the consumer's
    lag shows the wait. Every backend's consumer loop calls this, and records its offset
    only afterwards."""
    error: Exception | None = None
    attempt = waits = 0
    while True:
        try:
            await handler(message)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_transient(exc):
                waits += 1
                log.warning("consumer_waiting", topic=message.topic, group=group, error=repr(exc))
                await asyncio.sleep(min(retry_delay * 2 ** min(waits, 10), MAX_TRANSIENT_DELAY))
                continue
            attempt += 1
            error = exc
            log.warning(
                "consumer_failed",
                topic=message.topic,
                group=group,
                attempt=attempt,
                error=repr(exc),
            )
            if attempt >= max_attempts:
                break
            await asyncio.sleep(retry_delay * attempt)
    headers = {
        **message.headers,
        "x-dead-letter-group": group,
        "x-dead-letter-error": repr(error)[:500],
    }
    await bus.publish(dead_letter_topic(message.topic), message.key, message.value, headers)
    log.error("dead_lettered", topic=message.topic, group=group, key=message.key)
    if on_dead_letter is not None:
        on_dead_letter(message)


@dataclass
class _Topic:
    log: list[Message] = field(default_factory=list)
    base: int = 0  # offset of log[0] once old messages are trimmed
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


class InMemoryBus:
    def __init__(
        self,
        *,
        max_attempts: int = 5,
        retry_delay: float = 0.05,
        retention: int = 100_000,
    ) -> None:
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.retention = retention
        self._topics: dict[str, _Topic] = {}
        self._offsets: dict[tuple[str, str], int] = {}
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._hooks: dict[tuple[str, str], DeadLetterHook | None] = {}

    def _topic(self, name: str) -> _Topic:
        return self._topics.setdefault(name, _Topic())

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def publish(
        self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
    ) -> None:
        state = self._topic(topic)
        async with state.changed:
            state.log.append(Message(topic, key, value, dict(headers or {})))
            if len(state.log) > self.retention:
                drop = len(state.log) - self.retention
                del state.log[:drop]
                state.base += drop
            state.changed.notify_all()

    def messages(self, topic: str) -> list[Message]:
        """Everything still retained on `topic` (for tests and the admin tools)."""
        return list(self._topic(topic).log)

    async def subscribe(
        self,
        topic: str,
        group: str,
        handler: Handler,
        on_dead_letter: DeadLetterHook | None = None,
    ) -> None:
        key = (topic, group)
        if key in self._tasks:
            raise ValueError(f"group {group!r} already consumes {topic!r} in this process")
        self._offsets.setdefault(key, self._topic(topic).base)
        self._hooks[key] = on_dead_letter
        self._tasks[key] = asyncio.create_task(
            self._consume(topic, group, handler), name=f"bus:{topic}:{group}"
        )

    async def unsubscribe(self, topic: str, group: str) -> None:
        task = self._tasks.pop((topic, group), None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _consume(self, topic: str, group: str, handler: Handler) -> None:
        state = self._topic(topic)
        key = (topic, group)
        while True:
            async with state.changed:
                await state.changed.wait_for(
                    lambda: self._offsets[key] < state.base + len(state.log)
                )
                offset = max(self._offsets[key], state.base)
                message = state.log[offset - state.base]
            await deliver(
                self,
                message,
                group,
                handler,
                self.max_attempts,
                self.retry_delay,
                self._hooks.get(key),
            )
            self._offsets[key] = offset + 1

    def lag(self, group: str) -> dict[str, int]:
        """Messages of each topic `group` subscribes to that it has not consumed yet."""
        return {
            topic: self._topic(topic).base + len(self._topic(topic).log) - offset
            for (topic, owner), offset in self._offsets.items()
            if owner == group and (topic, owner) in self._tasks
        }
