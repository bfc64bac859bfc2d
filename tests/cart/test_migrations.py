from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ecart.cart import app as cart_app
from ecart.cart.store import metadata
from ecart.platform import migrations
from ecart.platform.db import Database

MIGRATIONS = Path(cart_app.__file__).parent / "migrations"


async def test_migrated_schema_matches_the_tables(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'cart.db'}")

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    try:
        await migrations.upgrade(db, MIGRATIONS)
        assert await migrations.current_revision(db) == migrations.head_revision(MIGRATIONS)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()
