"""Identity use cases: register, authenticate, issue tokens, bootstrap the admin."""

from __future__ import annotations

import hmac
from typing import Any

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ecart.platform.events import Event, utcnow
from ecart.platform.http.app import ServiceContext
from ecart.platform.settings import SERVICE_NAMES, service_client_secret
from ecart.users.config import UsersSettings
from ecart.users.domain import check_password, normalize_email
from ecart.users.keys import KeyRing
from ecart.users.store import users

TOPIC = "user-events"
_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the account does not exist, so both paths cost one Argon2 run.
_DUMMY_HASH = _hasher.hash("ecart-timing-equaliser-not-a-password")


class EmailTaken(Exception):
    pass


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password: str, password_hash: str) -> bool:
    return await anyio.to_thread.run_sync(_hasher.verify, password, password_hash)


async def register(
    ctx: ServiceContext, *, email: str, password: str, name: str, role: str = "customer"
) -> Row[Any]:
    email = normalize_email(email)
    check_password(password, email=email)
    password_hash = await hash_password(password)
    try:
        async with ctx.unit_of_work() as uow:
            result = await uow.conn.execute(
                insert(users)
                .values(
                    email=email,
                    name=name.strip(),
                    password_hash=password_hash,
                    role=role,
                    created_at=utcnow(),
                )
                .returning(users)
            )
            row: Row[Any] = result.one()
            data = {"user_id": str(row.id), "role": role, "email": row.email, "name": row.name}
            uow.emit(Event(TOPIC, str(row.id), "user_registered", data))
    except IntegrityError as exc:
        raise EmailTaken(email) from exc
    return row


async def find_by_email(ctx: ServiceContext, email: str) -> Row[Any] | None:
    async with ctx.db.read() as conn:
        result = await conn.execute(select(users).where(users.c.email == normalize_email(email)))
        return result.one_or_none()


async def find_by_id(ctx: ServiceContext, user_id: str) -> Row[Any] | None:
    if not user_id.isdigit():
        return None
    async with ctx.db.read() as conn:
        result = await conn.execute(select(users).where(users.c.id == int(user_id)))
        return result.one_or_none()


async def list_users(ctx: ServiceContext, skip: int, limit: int) -> list[Row[Any]]:
    async with ctx.db.read() as conn:
        result = await conn.execute(select(users).order_by(users.c.id).offset(skip).limit(limit))
        return list(result.all())


async def authenticate(ctx: ServiceContext, email: str, password: str) -> Row[Any] | None:
    """The user if the password matches; None otherwise, at the same cost either way."""
    row = await find_by_email(ctx, email)
    if row is None:
        await verify_password(password, _DUMMY_HASH)
        return None
    return row if await verify_password(password, row.password_hash) else None


def user_token(ring: KeyRing, settings: UsersSettings, row: Row[Any]) -> tuple[str, int]:
    ttl = settings.access_token_ttl_seconds
    claims = {
        "sub": str(row.id),
        "role": row.role,
        "email": row.email,
        "aud": settings.token_audience,
        "iss": settings.token_issuer,
    }
    return ring.sign(claims, ttl), ttl


def service_token(
    ring: KeyRing, settings: UsersSettings, client_id: str, client_secret: str
) -> tuple[str, int] | None:
    if client_id not in SERVICE_NAMES:
        return None
    expected = service_client_secret(client_id, settings)
    if not hmac.compare_digest(expected.encode(), client_secret.encode()):
        return None
    ttl = settings.service_token_ttl_seconds
    claims = {
        "sub": f"service:{client_id}",
        "role": "service",
        "aud": settings.token_audience,
        "iss": settings.token_issuer,
    }
    return ring.sign(claims, ttl), ttl


async def bootstrap_admin(ctx: ServiceContext, settings: UsersSettings) -> None:
    """Create the admin from ECART_ADMIN_EMAIL / ECART_ADMIN_PASSWORD (same password policy),
    or promote the existing account with that e-mail."""
    email = normalize_email(settings.admin_email)
    password = settings.admin_password.get_secret_value()
    if not email or not password:
        return
    check_password(password, email=email)
    existing = await find_by_email(ctx, email)
    if existing is None:
        try:
            await register(ctx, email=email, password=password, name="Administrator", role="admin")
        except EmailTaken:
            pass  # another replica created it first
        else:
            return
    async with ctx.unit_of_work() as uow:
        await uow.conn.execute(update(users).where(users.c.email == email).values(role="admin"))


async def count_users(ctx: ServiceContext) -> int:
    async with ctx.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(users)) or 0)
