"""Alembic, per service: each service has its own `migrations/` folder and version table."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from ecart.platform.db import Database, UTCDateTime

_METADATA_KEY = "ecart_metadata"
_ADVISORY_LOCK_KEY = 0x0EC0A127  # any constant: each service has a database of its own


def alembic_config(script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _migration_lock() -> asyncio.Lock:
    """Alembic's `context` is one global object: services that share a process (`ecart up`)
    must migrate one at a time."""
    loop = asyncio.get_running_loop()
    if loop not in _locks:
        _locks[loop] = asyncio.Lock()
    return _locks[loop]


async def upgrade(db: Database, script_location: Path, revision: str = "head") -> None:
    async with _migration_lock():
        await _upgrade(db, script_location, revision)


async def downgrade(db: Database, script_location: Path, revision: str = "base") -> None:
    async with _migration_lock():
        await _run_command(db, script_location, command.downgrade, revision)


async def _upgrade(db: Database, script_location: Path, revision: str) -> None:
    await _run_command(db, script_location, command.upgrade, revision)


async def _run_command(
    db: Database, script_location: Path, alembic_command: Callable[[Config, str], None], rev: str
) -> None:
    config = alembic_config(script_location)

    def _run(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            # Replicas of a service migrate on start at the same time: one at a time, each
            # in one transaction (PostgreSQL's DDL is transactional), so the others find the
            # schema already at head.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_KEY})")
        config.attributes["connection"] = connection
        alembic_command(config, rev)

    async with db.engine.begin() as conn:
        await conn.run_sync(_run)


async def current_revision(db: Database) -> str | None:
    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as conn:
        return await conn.run_sync(_read)


def head_revision(script_location: Path) -> str | None:
    return ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()


def _render_item(kind: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    """Migrations spell platform column types as plain SQLAlchemy types."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(metadata: MetaData) -> Callable[..., bool]:
    """An autogenerate `include_name` hook that skips the schema objects a service's
    migrations create by hand and its `metadata` cannot declare (full-text tables, expression
    and GIN indexes), listed in `metadata.info["hand_managed"]`."""
    skipped = frozenset(metadata.info.get("hand_managed", ()))

    def include(name: str | None, _type: str, _parent: Any) -> bool:
        return name not in skipped

    return include


def run_env(metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py` (online mode, given a connection)."""
    from alembic import context

    connection: Any = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `ecart migrate`, which supplies a connection")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        include_name=include_name(metadata),
    )
    with context.begin_transaction():
        context.run_migrations()
