"""Inventory use cases: stock levels, reservations (reserve, commit, release, restock) and the
expiry sweep. Each opens one unit of work, applies the rules, and emits its events in it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ecart.inventory import store
from ecart.inventory.domain import (
    MOVES,
    Action,
    InsufficientStock,
    Reservation,
    ReservationConflict,
    Status,
    merge_lines,
    needs_move,
    stock_delta,
)
from ecart.inventory.events import (
    PRODUCT_DELETED,
    RESERVATION_EXPIRED,
    STOCK_CHANGED,
    TOPIC,
    ProductDeleted,
)
from ecart.platform.events import Envelope, Event, utcnow
from ecart.platform.http.app import ServiceContext
from ecart.platform.outbox import UnitOfWork


class ReservationNotFound(Exception):
    pass


class ReservationExpired(ReservationConflict):
    pass


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def stock_changed(row: Row[Any]) -> Event:
    data = {
        "product_id": int(row.product_id),
        "available": int(row.available),
        "reserved": int(row.reserved),
        "version": int(row.version),
    }
    return Event(TOPIC, str(row.product_id), STOCK_CHANGED, data)


# --- stock levels ---------------------------------------------------------------------------


async def get_stock(ctx: ServiceContext, product_id: int) -> Row[Any] | None:
    async with ctx.db.read() as conn:
        return await store.get_stock(conn, product_id)


async def list_stock(
    ctx: ServiceContext, product_ids: Sequence[int] | None, skip: int, limit: int
) -> list[Row[Any]]:
    async with ctx.db.read() as conn:
        return await store.list_stock(conn, product_ids, skip, limit)


async def set_stock(ctx: ServiceContext, product_id: int, available: int) -> Row[Any]:
    async with ctx.unit_of_work() as uow:
        row = await store.set_available(uow.conn, product_id, available, utcnow())
        uow.emit(stock_changed(row))
    return row


async def delete_stock(ctx: ServiceContext, product_id: int) -> bool:
    async with ctx.unit_of_work() as uow:
        return await remove_stock(uow, product_id)


async def remove_stock(uow: UnitOfWork, product_id: int) -> bool:
    row = await store.delete_stock(uow.conn, product_id)
    if row is None:
        return False
    # Consumers see the product at zero with a newer version.
    gone = {"product_id": product_id, "available": 0, "reserved": 0, "version": row.version + 1}
    uow.emit(Event(TOPIC, str(product_id), STOCK_CHANGED, gone))
    return True


async def on_catalog_event(uow: UnitOfWork, envelope: Envelope) -> None:
    """Consumer effect: a deleted product's stock row goes too."""
    if envelope.event_type == PRODUCT_DELETED:
        await remove_stock(uow, ProductDeleted.model_validate(envelope.data).product_id)


# --- reservations ---------------------------------------------------------------------------


async def get_reservation(ctx: ServiceContext, reservation_id: str) -> Reservation | None:
    async with ctx.db.read() as conn:
        return _view(await store.get_reservation(conn, reservation_id))


def _view(found: tuple[Row[Any], dict[int, int]] | None) -> Reservation | None:
    if found is None:
        return None
    row, lines = found
    return Reservation(
        reservation_id=row.reservation_id,
        status=Status(row.status),
        lines=lines,
        expires_at=as_utc(row.expires_at),
        created_at=as_utc(row.created_at),
    )


async def reserve(
    ctx: ServiceContext, reservation_id: str, lines: list[tuple[int, int]], ttl_seconds: int
) -> tuple[Reservation, bool]:
    """All lines or none. Returns (reservation, created); a replay with the same lines returns
    the existing reservation, other lines for a known id raise ReservationConflict."""
    wanted = merge_lines(lines)
    try:
        async with ctx.unit_of_work() as uow:
            existing = _view(await store.get_reservation(uow.conn, reservation_id))
            if existing is not None:
                return _replay(existing, wanted), False
            now = utcnow()
            expires_at = now + timedelta(seconds=ttl_seconds)
            # The reservation's rows first, the stock UPDATEs last: a hot product's row
            # stays locked (PostgreSQL) only from its UPDATE to the commit, not across the
            # inserts too: under a flash sale every buyer queues on that lock.
            await store.insert_reservation(uow.conn, reservation_id, wanted, expires_at, now)
            for product_id, quantity in wanted.items():
                row = await store.take(uow.conn, product_id, quantity, now)
                if row is None:
                    raise InsufficientStock(product_id)  # rolls back every earlier line
                uow.emit(stock_changed(row))
    except IntegrityError:
        # Another writer created the same id first (PostgreSQL): answer as a replay.
        async with ctx.db.read(primary=True) as conn:
            existing = _view(await store.get_reservation(conn, reservation_id))
        if existing is None:
            raise
        return _replay(existing, wanted), False
    return Reservation(reservation_id, Status.ACTIVE, wanted, expires_at, now), True


def _replay(existing: Reservation, wanted: dict[int, int]) -> Reservation:
    if existing.lines != wanted:
        raise ReservationConflict(
            f"Reservation {existing.reservation_id} already exists with different lines"
        )
    return existing


async def apply_action(ctx: ServiceContext, reservation_id: str, action: Action) -> Reservation:
    """commit / release / restock, idempotently. An overdue active reservation expires first
    (so it can no longer be committed)."""
    async with ctx.unit_of_work() as uow:
        current = _view(await store.get_reservation(uow.conn, reservation_id))
        if current is None:
            raise ReservationNotFound(reservation_id)
        overdue = action is Action.COMMIT and current.is_overdue(utcnow())
        if overdue:
            current = await _move(uow, current, Action.EXPIRE)
        else:
            needs_move(action, current.status)
            current = await _move(uow, current, action)
    if overdue:
        raise ReservationExpired("Reservation expired; it cannot be committed")
    return current


async def _move(uow: UnitOfWork, current: Reservation, action: Action) -> Reservation:
    """Make the move if it is still needed; only the caller whose conditional status UPDATE
    wins changes stock, so concurrent calls cannot return stock twice."""
    if not needs_move(action, current.status):
        return current
    now = utcnow()
    move_target = MOVES[action].target
    moved = await store.move_status(
        uow.conn, current.reservation_id, current.status.value, move_target.value, now
    )
    if not moved:
        fresh = _view(await store.get_reservation(uow.conn, current.reservation_id))
        if fresh is None:
            raise ReservationNotFound(current.reservation_id)
        return await _move(uow, fresh, action)
    for product_id, quantity in current.lines.items():
        d_available, d_reserved = stock_delta(action, quantity)
        row = await store.adjust(uow.conn, product_id, d_available, d_reserved, now)
        if row is not None:
            uow.emit(stock_changed(row))
    if action is Action.EXPIRE:
        rid = current.reservation_id
        uow.emit(Event(TOPIC, rid, RESERVATION_EXPIRED, {"reservation_id": rid}))
    return Reservation(
        current.reservation_id, move_target, current.lines, current.expires_at, current.created_at
    )


async def expire_overdue(ctx: ServiceContext, batch_size: int = 100) -> int:
    """Expire active reservations past their `expires_at`; returns how many expired."""
    expired = 0
    while True:
        async with ctx.db.read(primary=True) as conn:
            due = await store.overdue_reservations(conn, utcnow(), batch_size)
        for reservation_id in due:
            # One transaction each: like commit and release, it locks one reservation, then
            # its stock rows in product order, so on PostgreSQL none of them can deadlock.
            async with ctx.unit_of_work() as uow:
                current = _view(await store.get_reservation(uow.conn, reservation_id))
                if current is not None and current.status is Status.ACTIVE:
                    await _move(uow, current, Action.EXPIRE)
                    expired += 1
        if len(due) < batch_size:
            return expired
