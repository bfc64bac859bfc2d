"""Wiring of the order service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from ecart.order import lifecycle, payment_flow
from ecart.order.api import router
from ecart.order.config import OrderSettings
from ecart.order.events import CONSUMER_GROUP, INVENTORY_TOPIC, ReservationExpired
from ecart.order.policy import POLICY
from ecart.order.store import idempotency_keys, inbox, metadata
from ecart.platform.events import Envelope
from ecart.platform.http.app import ServiceContext, create_service_app
from ecart.platform.idempotency import Idempotency
from ecart.platform.outbox import UnitOfWork, idempotent_consumer
from ecart.platform.runtime import Runtime
from ecart.platform.tasks import background


async def _on_inventory_event(uow: UnitOfWork, envelope: Envelope) -> None:
    if envelope.event_type == "reservation_expired":
        expired = ReservationExpired.model_validate(envelope.data)
        await lifecycle.expire_reservation(uow, expired.reservation_id)


def create_app(settings: OrderSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or OrderSettings()

    @asynccontextmanager
    async def hook(ctx: ServiceContext) -> AsyncIterator[None]:
        handler = idempotent_consumer(ctx.relay, inbox, CONSUMER_GROUP, _on_inventory_event)
        idempotency = Idempotency(
            ctx.db, idempotency_keys, ttl_seconds=settings.idempotency_ttl_seconds
        )
        maintenance = payment_flow.run_maintenance(
            ctx,
            settings.reconcile_interval_seconds,
            timedelta(seconds=settings.reconcile_grace_seconds),
            idempotency,
        )
        async with (
            ctx.subscription(INVENTORY_TOPIC, CONSUMER_GROUP, handler),
            background(maintenance, "order-maintenance"),
        ):
            yield

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
