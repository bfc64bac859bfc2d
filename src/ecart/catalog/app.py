"""Wiring of the catalog service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from ecart.catalog import service
from ecart.catalog.api import router
from ecart.catalog.config import CatalogSettings
from ecart.catalog.events import CONSUMER_GROUP, INVENTORY_TOPIC
from ecart.catalog.policy import POLICY
from ecart.catalog.seed import seed_when_ready
from ecart.catalog.store import inbox, metadata
from ecart.platform.http.app import ServiceContext, create_service_app
from ecart.platform.outbox import idempotent_consumer
from ecart.platform.runtime import Runtime
from ecart.platform.tasks import background


def create_app(settings: CatalogSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or CatalogSettings()

    @asynccontextmanager
    async def hook(ctx: ServiceContext) -> AsyncIterator[None]:
        handler = idempotent_consumer(ctx.relay, inbox, CONSUMER_GROUP, service.on_inventory_event)
        handler = service.invalidating(ctx, handler)  # bumps the cache after the commit
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(
                ctx.subscription(INVENTORY_TOPIC, CONSUMER_GROUP, handler)
            )
            if settings.seed_demo_data:
                seeding = seed_when_ready(ctx, settings.seed_timeout_seconds)
                ctx.state["demo_seed"] = await stack.enter_async_context(
                    background(seeding, "catalog-demo-seed")
                )
            yield

    return create_service_app(
        settings=settings,
        runtime=runtime or Runtime(),
        metadata=metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[router],
        policy=POLICY,
        description="Products, categories and search; shows stock from inventory.",
        hook=hook,
        # Public reads, the same for everyone: replayed from memory until a change.
        cached_routes=["/products", "/products/{product_id}", "/categories"],
        cache_namespace=service.CACHE_NAMESPACE,
    )
