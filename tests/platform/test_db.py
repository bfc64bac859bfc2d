"""The database layer: SQLite never surfaces "database is locked" (writes are serialised and
start IMMEDIATE); on either backend, per-key locks and upserts make read-modify-writes safe,
reads go to the replica when there is one, and every service runs on the suite's backend."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update

from ecart.platform.db import Database, async_url, lock_key, upsert
from ecart.registry import SERVICES
from tests.backends import TEST_POOL
from tests.conftest import Shop, backend

metadata = MetaData()
counter = Table("counter", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))
claims = Table(
    "claims", metadata, Column("key", String(20), primary_key=True), Column("by", Integer)
)


@pytest.mark.sqlite_only
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


@pytest.mark.sqlite_only
async def test_wal_mode_is_on(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    try:
        async with db.read() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        assert mode == "wal"
    finally:
        await db.dispose()


async def _created(url: str) -> Database:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return db


async def test_a_key_lock_serialises_read_modify_writes(database_url: str) -> None:
    db = await _created(database_url)
    try:
        async with db.write() as conn:
            await conn.execute(insert(counter).values(id=1, n=0))

        async def bump() -> None:
            async with db.write() as conn:
                await lock_key(conn, "counter", 1)
                current = await conn.scalar(select(counter.c.n).where(counter.c.id == 1))
                await asyncio.sleep(0.001)  # other transactions run meanwhile on PostgreSQL
                await conn.execute(
                    update(counter).where(counter.c.id == 1).values(n=(current or 0) + 1)
                )

        await asyncio.gather(*(bump() for _ in range(30)))
        async with db.read() as conn:
            assert await conn.scalar(select(counter.c.n)) == 30
    finally:
        await db.dispose()


async def test_concurrent_upserts_of_one_key_claim_it_once_without_errors(
    database_url: str,
) -> None:
    db = await _created(database_url)
    try:

        async def claim(by: int) -> bool:
            async with db.write() as conn:
                won = await conn.scalar(
                    upsert(conn, claims)
                    .values(key="k", by=by)
                    .on_conflict_do_nothing()
                    .returning(claims.c.key)
                )
                await asyncio.sleep(0.001)  # hold the row a moment: the others must wait
                return won is not None

        results = await asyncio.gather(*(claim(i) for i in range(20)))
        assert results.count(True) == 1
    finally:
        await db.dispose()


async def test_reads_go_to_the_replica_and_writes_to_the_primary(tmp_path: Path) -> None:
    async with backend().databases(["primary", "replica"], tmp_path) as urls:
        for url, n in ((urls["primary"], 1), (urls["replica"], 2)):
            seeded = await _created(url)
            async with seeded.write() as conn:
                await conn.execute(insert(counter).values(id=1, n=n))
            await seeded.dispose()
        db = Database(urls["primary"], read_url=urls["replica"])
        alone = Database(urls["primary"])
        try:
            async with db.read() as conn:
                assert await conn.scalar(select(counter.c.n)) == 2
            async with db.read(primary=True) as conn:
                assert await conn.scalar(select(counter.c.n)) == 1
            async with db.write() as conn:
                assert await conn.scalar(select(counter.c.n)) == 1
            async with alone.read() as conn:  # no replica: reads use the primary
                assert await conn.scalar(select(counter.c.n)) == 1
            await db.ping()
        finally:
            await db.dispose()
            await alone.dispose()


def test_postgresql_urls_use_asyncpg() -> None:
    assert async_url("postgresql://u:p@db:5432/x") == "postgresql+asyncpg://u:p@db:5432/x"
    assert async_url("postgres://u:p@db/x") == "postgresql+asyncpg://u:p@db/x"
    assert async_url("postgresql+asyncpg://u@db/x") == "postgresql+asyncpg://u@db/x"
    assert async_url("sqlite+aiosqlite:///a.db") == "sqlite+aiosqlite:///a.db"


@pytest.mark.postgres_only
def test_pool_sizes_come_from_the_arguments() -> None:
    db = Database("postgresql://u:p@127.0.0.1:1/x", pool_size=3, max_overflow=4)
    assert db.engine.pool.size() == 3  # type: ignore[attr-defined]
    assert db.engine.pool._max_overflow == 4  # type: ignore[attr-defined]
    assert db.engine.pool._pre_ping


async def test_every_service_runs_on_the_suites_backend(shop: Shop) -> None:
    seen: set[tuple[str, str]] = set()
    for name, app in shop.platform.apps.items():
        if not SERVICES[name].database:
            continue
        db: Database = app.state.ctx.db
        assert db.engine.dialect.name == ("postgresql" if backend().is_postgres else "sqlite")
        if backend().is_postgres:
            assert db.engine.pool.size() == TEST_POOL["db_pool_size"]  # type: ignore[attr-defined]
            async with db.read() as conn:
                row = (await conn.execute(text("SELECT current_database(), current_user"))).one()
            assert row[0] == row[1]  # a database of its own, owned by a role of its own
            seen.add((row[0], row[1]))
    if backend().is_postgres:
        assert len(seen) == len([n for n in shop.platform.apps if SERVICES[n].database])
