"""Wiring of the inventory service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from ecart.inventory import service
from ecart.inventory.api import router
from ecart.inventory.config import InventorySettings
from ecart.inventory.events import CATALOG_TOPIC, CONSUMER_GROUP
from ecart.inventory.policy import POLICY
from ecart.inventory.store import inbox, metadata
from ecart.inventory.sweeper import sweep_forever
from ecart.platform.http.app import ServiceContext, create_service_app
from ecart.platform.outbox import idempotent_consumer
from ecart.platform.runtime import Runtime
from ecart.platform.tasks import background


def create_app(
    settings: InventorySettings | None = None, runtime: Runtime | None = None
) -> FastAPI:
    settings = settings or InventorySettings()

    @asynccontextmanager
    async def hook(ctx: ServiceContext) -> AsyncIterator[None]:
        handler = idempotent_consumer(ctx.relay, inbox, CONSUMER_GROUP, service.on_catalog_event)
        sweeper = sweep_forever(ctx, settings.sweep_interval_seconds)
        async with (
            ctx.subscription(CATALOG_TOPIC, CONSUMER_GROUP, handler),
            background(sweeper, "inventory-sweeper"),
        ):
            yield

    return create_service_app(
        settings=settings,
        runtime=runtime or Runtime(),
        metadata=metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[router],
        policy=POLICY,
        description="Stock levels and reservations with a TTL (all lines or none, no oversell).",
        hook=hook,
    )
