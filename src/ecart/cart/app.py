"""Wiring of the cart service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from ecart.cart.api import router
from ecart.cart.config import CartSettings
from ecart.cart.policy import POLICY
from ecart.cart.store import metadata
from ecart.platform.http.app import create_service_app
from ecart.platform.runtime import Runtime


def create_app(settings: CartSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or CartSettings(),
        runtime=runtime or Runtime(),
        metadata=metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[router],
        policy=POLICY,
        description="Shopping carts; names and prices from catalog, availability from inventory.",
    )
