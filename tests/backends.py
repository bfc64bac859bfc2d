"""The database the suite runs on: SQLite files (the embedded default) or PostgreSQL.

`ECART_TEST_BACKEND=postgres` (or `pytest --backend postgres`) runs every test that starts a
shop or opens a database on PostgreSQL: each shop gets one fresh database per service, each
owned by a role of its own, created through `ECART_TEST_POSTGRES_URL` (an account allowed to
create databases and roles) and dropped when the shop stops.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Small pools: a shop is seven services, and a test server has ~100 connections.
TEST_POOL = {"db_pool_size": 3, "db_max_overflow": 7}
_counter = itertools.count(1)


@dataclass
class Backend:
    name: str  # "sqlite" or "postgres"
    postgres_url: str = ""
    unavailable: str = ""  # why the PostgreSQL server cannot be used ("" when it can)
    _owned: set[str] = field(default_factory=set)

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"

    async def check(self) -> None:
        """Sets `unavailable` when the server cannot be reached or used."""
        try:
            conn = await asyncpg.connect(self.postgres_url, timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            where = make_url(self.postgres_url)
            self.unavailable = (
                f"PostgreSQL at {where.host}:{where.port} is not reachable "
                f"(ECART_TEST_POSTGRES_URL): {exc!r}"
            )
            return
        await conn.close()

    @asynccontextmanager
    async def databases(
        self, services: Iterable[str], data_dir: Path
    ) -> AsyncIterator[dict[str, str]]:
        """One fresh database URL per service (PostgreSQL), or SQLite files in `data_dir`."""
        if not self.is_postgres:
            yield {name: f"sqlite+aiosqlite:///{data_dir / f'{name}.db'}" for name in services}
            return
        urls: dict[str, str] = {}
        try:
            for name in services:
                urls[name] = await self.create_database(name)
            yield urls
        finally:
            for url in urls.values():
                await self.drop_database(url)

    async def create_database(self, label: str) -> str:
        """A fresh database owned by a fresh role; returns its SQLAlchemy (asyncpg) URL."""
        name = f"ecartt_{os.getpid()}_{next(_counter)}_{label}"
        password = secrets.token_urlsafe(16)
        admin = await asyncpg.connect(self.postgres_url)
        try:
            await admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
            self._owned.add(name)
            # PostgreSQL 15 lets a CREATEROLE account give ownership only to its own roles.
            await admin.execute(f"GRANT {name} TO CURRENT_USER")
            await admin.execute(f"CREATE DATABASE {name} OWNER {name}")
            await admin.execute(f"REVOKE ALL ON DATABASE {name} FROM PUBLIC")
        finally:
            await admin.close()
        server = make_url(self.postgres_url)
        return (
            server.set(
                drivername="postgresql+asyncpg", username=name, password=password, database=name
            )
        ).render_as_string(hide_password=False)

    async def drop_database(self, url: str) -> None:
        name = make_url(url).database or ""
        if name not in self._owned:
            raise ValueError(f"not a database this run created: {name}")
        admin = await asyncpg.connect(self.postgres_url)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            await admin.execute(f"DROP ROLE IF EXISTS {name}")
        finally:
            await admin.close()
        self._owned.discard(name)


def backend_from(option: str | None, environ: dict[str, str]) -> Backend:
    name = (option or environ.get("ECART_TEST_BACKEND") or "sqlite").strip().lower()
    if name in ("postgresql", "pg"):
        name = "postgres"
    if name not in ("sqlite", "postgres"):
        raise ValueError(f"unknown test backend {name!r}: sqlite or postgres")
    url = environ.get("ECART_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    return Backend(name, postgres_url=url.replace("postgresql+asyncpg://", "postgresql://"))
