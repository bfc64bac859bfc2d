"""Lifetimes a service hook opens and closes: a background task, a bus subscription."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from ecart.platform.bus import DeadLetterHook, EventBus, Handler

T = TypeVar("T")


@asynccontextmanager
async def background(
    coroutine: Coroutine[Any, Any, T], name: str
) -> AsyncIterator[asyncio.Task[T]]:
    """Runs `coroutine` as a task for the block's duration; cancels and awaits it after."""
    task = asyncio.create_task(coroutine, name=name)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@asynccontextmanager
async def subscribed(
    bus: EventBus,
    topic: str,
    group: str,
    handler: Handler,
    on_dead_letter: DeadLetterHook | None = None,
) -> AsyncIterator[None]:
    """Consumes `topic` as `group` for the block's duration."""
    await bus.subscribe(topic, group, handler, on_dead_letter)
    try:
        yield
    finally:
        await bus.unsubscribe(topic, group)
