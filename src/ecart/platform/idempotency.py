"""Idempotency keys with Stripe's semantics.

A client sends `Idempotency-Key` with a POST. The first request with a key runs and its
response (status and body) is stored with the key; a retry with the same key gets that
response again (header `Idempotent-Replayed: true`) without running anything; the same key
with a different request → 422; a duplicate that arrives while the first is still running
waits for it briefly, then gets 409. Keys are scoped to the caller and the route, kept for
`ttl_seconds`, then purged. Responses that say the request did not run (5xx, 429, a crash)
are not stored, so a retry runs it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import HTTPException
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    select,
    update,
)

from ecart.platform.db import Database, UTCDateTime, upsert
from ecart.platform.events import utcnow

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_NOT_STORED = frozenset({409, 429})


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(200), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=True),  # null while the request runs
        Column("body", Text, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("expires_at", UTCDateTime(), nullable=False, index=True),
    )


def fingerprint(*parts: Any) -> str:
    """A stable digest of what makes two requests "the same request"."""
    canonical = json.dumps(jsonable_encoder(parts), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: str

    def response(self) -> JSONResponse:
        return JSONResponse(
            json.loads(self.body),
            status_code=self.status_code,
            headers={REPLAYED_HEADER: "true"},
        )


class Idempotency:
    def __init__(
        self,
        db: Database,
        table: Table,
        *,
        ttl_seconds: float = 86400,
        wait_seconds: float = 5.0,
    ) -> None:
        self.db = db
        self.table = table
        self.ttl = timedelta(seconds=ttl_seconds)
        self.wait_seconds = wait_seconds

    async def run(
        self,
        key: str | None,
        scope: str,
        request_fingerprint: str,
        handler: Callable[[], Awaitable[BaseModel]],
        *,
        status_code: int = 200,
    ) -> JSONResponse:
        """Runs `handler` once per (scope, key) and answers every retry with its response."""
        if key is None:
            return _json(await handler(), status_code)
        _check_key(key)
        stored = await self._claim_or_wait(scope, key, request_fingerprint)
        if stored is not None:
            return stored.response()
        try:
            result = await handler()
        except HTTPException as exc:
            if exc.status_code >= 500 or exc.status_code in _NOT_STORED:
                await self._release(scope, key)
            else:
                await self._store(scope, key, exc.status_code, {"detail": exc.detail})
            raise
        except BaseException:
            await self._release(scope, key)
            raise
        response = _json(result, status_code)
        await self._store(scope, key, status_code, jsonable_encoder(result))
        return response

    async def _claim_or_wait(self, scope: str, key: str, digest: str) -> Stored | None:
        deadline = asyncio.get_running_loop().time() + self.wait_seconds
        while True:
            stored, running = await self._claim(scope, key, digest)
            if not running:
                return stored
            if asyncio.get_running_loop().time() >= deadline:
                raise HTTPException(
                    409,
                    "A request with this Idempotency-Key is still in progress; retry later",
                    headers={"Retry-After": "1"},
                )
            await asyncio.sleep(0.05)

    async def _claim(self, scope: str, key: str, digest: str) -> tuple[Stored | None, bool]:
        """(stored response, still running); claims the key when it is new."""
        table = self.table
        now = utcnow()
        this_key = (table.c.scope == scope) & (table.c.key == key)
        async with self.db.write() as conn:
            await conn.execute(delete(table).where(this_key, table.c.expires_at <= now))
            # Insert-if-absent in one statement: of concurrent first requests exactly one
            # claims the key (PostgreSQL makes the others wait for its commit, then conflict).
            claimed = await conn.scalar(
                upsert(conn, table)
                .values(
                    scope=scope,
                    key=key,
                    fingerprint=digest,
                    created_at=now,
                    expires_at=now + self.ttl,
                )
                .on_conflict_do_nothing()
                .returning(table.c.key)
            )
            if claimed is not None:
                return None, False
            row = (await conn.execute(select(table).where(this_key))).one_or_none()
        if row is None:  # released by its request since the conflict: claim it next time
            return None, True
        if row.fingerprint != digest:
            raise HTTPException(
                422, "This Idempotency-Key was already used with a different request"
            )
        if row.status_code is None:
            return None, True
        return Stored(row.status_code, row.body), False

    async def _store(self, scope: str, key: str, status_code: int, body: Any) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                update(self.table)
                .where(self.table.c.scope == scope, self.table.c.key == key)
                .values(status_code=status_code, body=json.dumps(body))
            )

    async def _release(self, scope: str, key: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                delete(self.table).where(self.table.c.scope == scope, self.table.c.key == key)
            )

    async def purge(self, now: datetime | None = None) -> int:
        """Deletes expired keys; returns how many."""
        async with self.db.write() as conn:
            result = await conn.execute(
                delete(self.table).where(self.table.c.expires_at <= (now or utcnow()))
            )
        return int(result.rowcount)


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise HTTPException(
            400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters"
        )


def _json(result: BaseModel, status_code: int) -> JSONResponse:
    return JSONResponse(jsonable_encoder(result), status_code=status_code)
