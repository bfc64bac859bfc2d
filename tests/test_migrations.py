"""Every service's migrations build exactly the schema its tables declare, go down to an
empty database and up again, and `ecart migrate` brings a database to head: on the suite's
backend (SQLite, or PostgreSQL with `ECART_TEST_BACKEND=postgres`)."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from ecart import cli
from ecart.platform import migrations
from ecart.platform.db import Database
from ecart.registry import SERVICES
from tests.conftest import backend

WITH_DATABASE = sorted(name for name, spec in SERVICES.items() if spec.database)


@pytest.mark.parametrize("service", WITH_DATABASE)
async def test_migrations_go_up_down_and_up_to_the_declared_schema(
    database_url: str, service: str
) -> None:
    spec = SERVICES[service]
    db = Database(database_url)

    def diff(connection: Connection) -> list[Any]:
        metadata = spec.metadata()
        opts = {"compare_type": True, "include_name": migrations.include_name(metadata)}
        context = MigrationContext.configure(connection, opts=opts)
        with warnings.catch_warnings():
            # SQLite cannot reflect an expression index; it is hand-managed (skipped) anyway.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            return list(compare_metadata(context, metadata))

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}

    async def assert_at_head() -> None:
        assert await migrations.current_revision(db) == migrations.head_revision(
            spec.migrations_dir
        )
        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []

    try:
        await migrations.upgrade(db, spec.migrations_dir)
        await migrations.upgrade(db, spec.migrations_dir)  # a second run changes nothing
        await assert_at_head()
        await migrations.downgrade(db, spec.migrations_dir, "base")
        assert await migrations.current_revision(db) is None
        async with db.engine.connect() as conn:
            assert await conn.run_sync(tables) == set()
        await migrations.upgrade(db, spec.migrations_dir)
        await assert_at_head()
    finally:
        await db.dispose()


async def test_ecart_migrate_brings_every_database_to_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECART_DATA_DIR", str(tmp_path))
    async with backend().databases(WITH_DATABASE, tmp_path) as urls:
        if backend().is_postgres:
            for service, url in urls.items():
                monkeypatch.setenv(f"ECART_{service.upper()}_DATABASE_URL", url)
        # The command runs its own event loop: give it a thread of its own.
        result = await asyncio.to_thread(CliRunner().invoke, cli.app, ["migrate"])
        assert result.exit_code == 0, result.output
        for service in WITH_DATABASE:
            head = migrations.head_revision(SERVICES[service].migrations_dir)
            assert f"{service}: at {head}" in result.output
            db = Database(urls[service])
            try:
                assert await migrations.current_revision(db) == head
            finally:
                await db.dispose()
