"""SQLite never surfaces "database is locked": writes are serialised and start IMMEDIATE."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, insert, select, update

from ecart.platform.db import Database

metadata = MetaData()
counter = Table("counter", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))


async def test_concurrent_read_modify_write_transactions_do_not_lock_or_lose_updates(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with db.write() as conn:
            await conn.execute(insert(counter).values(id=1, n=0))

        async def bump() -> None:
            async with db.write() as conn:
                current = await conn.scalar(select(counter.c.n).where(counter.c.id == 1))
                await asyncio.sleep(0)  # give other writers a chance to interleave
                await conn.execute(
                    update(counter).where(counter.c.id == 1).values(n=(current or 0) + 1)
                )

        async def read() -> int | None:
            async with db.read() as conn:
                return await conn.scalar(select(counter.c.n))

        results = await asyncio.gather(*(bump() for _ in range(50)), *(read() for _ in range(20)))
        assert all(r is None or isinstance(r, int) for r in results)
        async with db.read() as conn:
            assert await conn.scalar(select(counter.c.n)) == 50
    finally:
        await db.dispose()


async def test_wal_mode_is_on(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    try:
        async with db.read() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        assert mode == "wal"
    finally:
        await db.dispose()
