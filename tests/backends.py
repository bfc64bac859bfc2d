"""The backends the suite runs on.

- `sqlite` (default): the embedded default, SQLite files and the in-memory bus.
- `postgres` (`ECART_TEST_BACKEND=postgres` or `pytest --backend postgres`): every test that
  starts a shop or opens a database does it on PostgreSQL: each shop gets one fresh database
  per service, each owned by a role of its own, created through `ECART_TEST_POSTGRES_URL` (an
  account allowed to create databases and roles) and dropped when the shop stops.
- `production`: PostgreSQL as above, plus the Kafka bus (`ECART_TEST_KAFKA`) and the Redis
  cache and rate-limit storage (`ECART_TEST_REDIS`). Each shop gets a namespace of its own
  (`ECART_NAMESPACE`), so shops alive at the same time never read each other's topics or
  cache entries; its topics and keys are deleted when it stops.
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
from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Small pools: a shop is seven services, and a test server has ~100 connections.
TEST_POOL = {"db_pool_size": 3, "db_max_overflow": 7}
_counter = itertools.count(1)


@dataclass
class Backend:
    name: str  # "sqlite", "postgres" or "production"
    postgres_url: str = ""
    kafka: str = ""  # bootstrap servers (production)
    redis: str = ""  # redis:// URL (production)
    unavailable: str = ""  # why a server cannot be used ("" when all can)
    _owned: set[str] = field(default_factory=set)

    @property
    def is_postgres(self) -> bool:
        return self.name in ("postgres", "production")

    async def check(self) -> None:
        """Sets `unavailable` when a server this backend needs cannot be reached or used."""
        problems = []
        if self.is_postgres:
            try:
                conn = await asyncpg.connect(self.postgres_url, timeout=5)
                await conn.close()
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                where = make_url(self.postgres_url)
                problems.append(
                    f"PostgreSQL at {where.host}:{where.port} is not reachable "
                    f"(ECART_TEST_POSTGRES_URL): {exc!r}"
                )
        if self.name == "production":
            problems += await _check_kafka(self.kafka) + await _check_redis(self.redis)
        self.unavailable = "; ".join(problems)

    def shop_settings(self) -> dict[str, object]:
        """Settings every service of a shop gets on this backend (besides its database)."""
        if self.name != "production":
            return {}
        return {
            "bus": "kafka",
            "kafka_bootstrap_servers": self.kafka,
            "redis_url": self.redis,
            "rate_limit_storage": self.redis,
        }

    async def clear_namespace(self, namespace: str) -> None:
        """Deletes a stopped shop's Kafka topics and Redis keys."""
        if self.name != "production":
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka)
        await admin.start()
        try:
            mine = [t for t in await admin.list_topics() if t.startswith(f"{namespace}.")]
            if mine:
                await admin.delete_topics(mine)
        finally:
            await admin.close()
        redis = Redis.from_url(self.redis)
        try:
            keys = [key async for key in redis.scan_iter(match=f"{namespace}:*", count=500)]
            if keys:
                await redis.delete(*keys)
        finally:
            await redis.aclose()

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


async def _check_kafka(servers: str) -> list[str]:
    if not servers:
        return ["the production backend needs a Kafka broker: set ECART_TEST_KAFKA=host:port"]
    admin = AIOKafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=5000)
    try:
        await admin.start()
        await admin.list_topics()
    except Exception as exc:
        return [f"Kafka at {servers} is not reachable (ECART_TEST_KAFKA): {exc!r}"]
    finally:
        await admin.close()
    return []


async def _check_redis(url: str) -> list[str]:
    if not url:
        return ["the production backend needs Redis: set ECART_TEST_REDIS=redis://…"]
    redis = Redis.from_url(url, socket_connect_timeout=5)
    try:
        await redis.ping()
    except Exception as exc:
        return [f"Redis is not reachable (ECART_TEST_REDIS): {exc!r}"]
    finally:
        await redis.aclose()
    return []


BACKENDS = ("sqlite", "postgres", "production")


def backend_from(option: str | None, environ: dict[str, str]) -> Backend:
    name = (option or environ.get("ECART_TEST_BACKEND") or "sqlite").strip().lower()
    name = {"postgresql": "postgres", "pg": "postgres", "prod": "production"}.get(name, name)
    if name not in BACKENDS:
        raise ValueError(f"unknown test backend {name!r}: one of {', '.join(BACKENDS)}")
    url = environ.get("ECART_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    return Backend(
        name,
        postgres_url=url.replace("postgresql+asyncpg://", "postgresql://"),
        kafka=environ.get("ECART_TEST_KAFKA", ""),
        redis=environ.get("ECART_TEST_REDIS", ""),
    )
