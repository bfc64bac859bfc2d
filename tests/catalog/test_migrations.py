from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from ecart.catalog.store import metadata
from ecart.platform import migrations
from ecart.platform.db import Database
from ecart.registry import SERVICES


async def test_migrated_schema_matches_the_tables(tmp_path: Path) -> None:
    spec = SERVICES["catalog"]
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/catalog.db")

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    try:
        await migrations.upgrade(db, spec.migrations_dir)
        assert await migrations.current_revision(db) == migrations.head_revision(
            spec.migrations_dir
        )
        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()
