"""Wiring of the notifications service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from ecart.notifications.api import router
from ecart.notifications.config import NotificationsSettings
from ecart.notifications.consumers import handlers
from ecart.notifications.events import CONSUMER_GROUP
from ecart.notifications.policy import POLICY
from ecart.notifications.sender import Sender
from ecart.notifications.smtp import transport_for
from ecart.notifications.store import metadata
from ecart.platform.http.app import ServiceContext, create_service_app
from ecart.platform.runtime import Runtime


def create_app(
    settings: NotificationsSettings | None = None, runtime: Runtime | None = None
) -> FastAPI:
    settings = settings or NotificationsSettings()

    @asynccontextmanager
    async def hook(ctx: ServiceContext) -> AsyncIterator[None]:
        transport = transport_for(
            settings.smtp_url.get_secret_value(),
            settings.data_dir,
            timeout=settings.smtp_timeout_seconds,
        )
        sender = Sender(
            ctx.db,
            transport,
            sender=settings.sender,
            retry_base_seconds=settings.retry_base_seconds,
            retry_max_seconds=settings.retry_max_seconds,
            poll_seconds=settings.poll_seconds,
            lease_seconds=2 * settings.smtp_timeout_seconds + 5,
            metrics=ctx.metrics,
        )
        ctx.state["sender"] = sender
        sender.start()
        try:
            async with AsyncExitStack() as stack:
                for topic, handler in handlers(ctx, sender.kick).items():
                    await stack.enter_async_context(
                        ctx.subscription(topic, CONSUMER_GROUP, handler)
                    )
                yield
        finally:
            await sender.stop()

    return create_service_app(
        settings=settings,
        runtime=runtime or Runtime(),
        metadata=metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[router],
        policy=POLICY,
        description="Notifications: an e-mail per order event (confirmation, payment receipt, "
        "shipped, cancelled, refunded), sent once, over SMTP or into `.eml` files.",
        hook=hook,
    )
