"""Wiring of the users service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from ecart.platform.auth import KeySource
from ecart.platform.http.app import ServiceContext, create_service_app
from ecart.platform.runtime import Runtime
from ecart.users import keys, service
from ecart.users.api import router
from ecart.users.config import UsersSettings
from ecart.users.policy import POLICY
from ecart.users.store import metadata


def _keyring(settings: UsersSettings) -> keys.KeyRing:
    pem = settings.signing_key.get_secret_value()
    retired = keys.load_public_keys(settings.retired_signing_keys.get_secret_value())
    if pem:
        return keys.KeyRing(keys.load_private_key(pem), retired)
    if settings.production:
        raise RuntimeError("ECART_USERS_SIGNING_KEY must be set in production")
    return keys.KeyRing(keys.load_or_create_dev_key(settings.data_dir), retired)


def create_app(settings: UsersSettings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or UsersSettings()
    ring = _keyring(settings)

    def key_source(ctx: ServiceContext) -> KeySource:
        ctx.state["keyring"] = ring
        return ring

    @asynccontextmanager
    async def hook(ctx: ServiceContext) -> AsyncIterator[None]:
        await service.bootstrap_admin(ctx, settings)
        yield

    return create_service_app(
        settings=settings,
        runtime=runtime or Runtime(),
        metadata=metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[router],
        policy=POLICY,
        description="Identity: accounts, passwords (Argon2), tokens (EdDSA JWT), JWKS.",
        hook=hook,
        key_source=key_source,
    )
