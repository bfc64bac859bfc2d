"""The idempotency store itself: claim, replay, release on failure, expiry and purge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from fastapi import HTTPException
from pydantic import BaseModel
from sqlalchemy import MetaData

from ecart.platform.db import Database
from ecart.platform.events import utcnow
from ecart.platform.idempotency import Idempotency, fingerprint, idempotency_table

metadata = MetaData()
table = idempotency_table(metadata)


class Out(BaseModel):
    n: int


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)  # on the suite's backend
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def test_runs_once_and_replays(db: Database) -> None:
    store = Idempotency(db, table)
    runs: list[int] = []

    async def handler() -> Out:
        runs.append(1)
        return Out(n=len(runs))

    first = await store.run("k", "s", fingerprint("a"), handler, status_code=201)
    second = await store.run("k", "s", fingerprint("a"), handler, status_code=201)
    assert runs == [1]
    assert first.body == second.body
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"


async def test_failures_that_did_not_run_are_not_stored(db: Database) -> None:
    store = Idempotency(db, table)
    calls = 0

    async def flaky() -> Out:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise HTTPException(503, "down")
        return Out(n=calls)

    with pytest.raises(HTTPException):
        await store.run("k", "s", fingerprint("a"), flaky)
    response = await store.run("k", "s", fingerprint("a"), flaky)
    assert response.status_code == 200
    assert calls == 2


async def test_client_errors_are_stored_and_replayed(db: Database) -> None:
    store = Idempotency(db, table)

    async def declined() -> Out:
        raise HTTPException(400, "Payment failed")

    with pytest.raises(HTTPException):
        await store.run("k", "s", fingerprint("a"), declined)
    replay = await store.run("k", "s", fingerprint("a"), declined)
    assert replay.status_code == 400
    assert replay.body == b'{"detail":"Payment failed"}'


async def test_expired_keys_are_purged_and_run_again(db: Database) -> None:
    store = Idempotency(db, table, ttl_seconds=60)

    async def handler() -> Out:
        return Out(n=1)

    await store.run("k", "s", fingerprint("a"), handler)
    assert await store.purge() == 0
    assert await store.purge(utcnow() + timedelta(seconds=61)) == 1
    await store.run("k", "s", fingerprint("b"), handler)  # a new request with the old key


async def test_a_key_still_running_answers_409_after_waiting(db: Database) -> None:
    store = Idempotency(db, table, wait_seconds=0.1)
    await store._claim("s", "k", fingerprint("a"))  # another request holds the key

    async def handler() -> Out:
        return Out(n=1)

    with pytest.raises(HTTPException) as caught:
        await store.run("k", "s", fingerprint("a"), handler)
    assert caught.value.status_code == 409
