"""Wiring of the order service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from ecart.order import lifecycle
from ecart.order.api import router
from ecart.order.config import OrderSettings
from ecart.order.events import CONSUMER_GROUP, INVENTORY_TOPIC, ReservationExpired
from ecart.order.policy import POLICY
from ecart.order.store import inbox, metadata
from ecart.platform.events import Envelope
from ecart.platform.http.app import ServiceContext, create_service_app
from ecart.platform.outbox import UnitOfWork, idempotent_consumer
from ecart.platform.runtime import Runtime


async def _on_inventory_event(uow: UnitOfWork, envelope: Envelope) -> None:
    if envelope.event_type == "reservation_expired":
        expired = ReservationExpired.model_validate(envelope.data)
        await lifecycle.expire_reservation(uow, expired.reservation_id)


def create_app(settings: OrderSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or OrderSettings()

    @asynccontextmanager
    async def hook(ctx: ServiceContext) -> AsyncIterator[None]:
        handler = idempotent_consumer(ctx.relay, inbox, CONSUMER_GROUP, _on_inventory_event)
        await ctx.bus.subscribe(INVENTORY_TOPIC, CONSUMER_GROUP, handler)
        try:
            yield
        finally:
            await ctx.bus.unsubscribe(INVENTORY_TOPIC, CONSUMER_GROUP)

    return create_service_app(
        settings=settings,
        runtime=runtime or Runtime(),
        metadata=metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[router],
        policy=POLICY,
        description="Orders: checkout from a cart with reserved stock, payment, the order "
        "state machine.",
        hook=hook,
    )
