"""Every service's migrations build exactly the schema its tables declare, and `ecart
migrate` brings a database to head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from ecart import cli
from ecart.platform import migrations
from ecart.platform.db import Database
from ecart.registry import SERVICES

WITH_DATABASE = sorted(name for name, spec in SERVICES.items() if spec.database)


@pytest.mark.parametrize("service", WITH_DATABASE)
async def test_migrated_schema_matches_the_tables(tmp_path: Path, service: str) -> None:
    spec = SERVICES[service]
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/{service}.db")

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, spec.metadata()))

    try:
        await migrations.upgrade(db, spec.migrations_dir)
        await migrations.upgrade(db, spec.migrations_dir)  # a second run changes nothing
        head = migrations.head_revision(spec.migrations_dir)
        assert await migrations.current_revision(db) == head
        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()


def test_ecart_migrate_brings_every_database_to_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECART_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli.app, ["migrate"])
    assert result.exit_code == 0, result.output
    for service in WITH_DATABASE:
        head = migrations.head_revision(SERVICES[service].migrations_dir)
        assert f"{service}: at {head}" in result.output
        assert (tmp_path / f"{service}.db").exists()
