"""Wiring of the payment service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from ecart.payment.api import router
from ecart.payment.config import PaymentSettings
from ecart.payment.policy import POLICY
from ecart.payment.store import metadata
from ecart.platform.http.app import create_service_app
from ecart.platform.runtime import Runtime


def create_app(settings: PaymentSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or PaymentSettings(),
        runtime=runtime or Runtime(),
        metadata=metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[router],
        policy=POLICY,
        description="Payments and refunds through a simulated provider (no card data stored).",
    )
