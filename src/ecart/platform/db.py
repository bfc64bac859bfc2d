"""One async database per service: SQLite (WAL) on the embedded default, PostgreSQL (asyncpg)
in production, with pool sizes from settings and an optional read replica.

Writes go through `Database.write()`: on SQLite it starts `BEGIN IMMEDIATE` and lets one writer
per database in at a time, so callers never see "database is locked".
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

_WRITE_OPTION = "ecart_write"


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no
    offset, so without this it would come back naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Database:
    """A service's database: the primary for writes (and reads that must see them), and an
    optional read replica (`read_url`) for read-only queries, falling back to the primary."""

    def __init__(
        self,
        url: str,
        *,
        read_url: str = "",
        pool_size: int = 10,
        max_overflow: int = 10,
        echo: bool = False,
    ) -> None:
        url, read_url = async_url(url), async_url(read_url) if read_url else ""
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine: AsyncEngine = _engine(url, pool_size, max_overflow, echo)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._writer = self.engine.execution_options(**{_WRITE_OPTION: True})
        self.read_engine: AsyncEngine = (
            _engine(read_url, pool_size, max_overflow, echo)
            if read_url and read_url != url
            else self.engine
        )

    @asynccontextmanager
    async def read(self, *, primary: bool = False) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction (deferred on SQLite: never blocks writers under WAL), on the
        read replica when there is one. `primary=True` for reads that must see the latest
        commit (the outbox relay, a replay after a lost insert race)."""
        engine = self.engine if primary else self.read_engine
        async with engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction, committed when the block exits cleanly, else rolled back.
        PostgreSQL runs it in READ COMMITTED: a conditional UPDATE re-checks its condition on
        the latest committed row, and read-modify-writes lock what they read (FOR UPDATE) or
        resolve insert races with ON CONFLICT / a unique violation."""
        if self._write_lock is None:
            async with self._writer.begin() as conn:
                yield conn
            return
        async with self._write_lock, self._writer.begin() as conn:
            yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
        if self.read_engine is not self.engine:
            async with self.read_engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        await self.engine.dispose()


def pool_usage(engine: AsyncEngine) -> tuple[int, int, int]:
    """(connections in use, idle, most it may open) of the engine's pool."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return 0, 0, 0
    # QueuePool has no public accessor for its overflow limit.
    most = pool.size() + int(getattr(pool, "_max_overflow", 0))
    return pool.checkedout(), pool.checkedin(), most


def upsert(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with `on_conflict_do_nothing` / `on_conflict_do_update` in the connection's
    dialect: the race-free way to insert-if-absent (PostgreSQL waits for a concurrent insert
    of the same key and then reports the conflict, instead of failing the transaction)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def lock_key(conn: AsyncConnection, namespace: str, key: object) -> None:
    """Serialises the write transactions that pass the same (namespace, key) until they end,
    for a decision read from rows that a concurrent transaction may be inserting. SQLite's
    writes are serial already; PostgreSQL takes a transaction-level advisory lock."""
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"{namespace}:{key}".encode(), digest_size=8).digest()
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(:key)"),
        {"key": int.from_bytes(digest, "big", signed=True)},
    )


def async_url(url: str) -> str:
    """`postgresql://…` (or `postgres://…`, as many providers spell it) means asyncpg."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    return url


def _engine(url: str, pool_size: int, max_overflow: int, echo: bool) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN so that writes can use BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
