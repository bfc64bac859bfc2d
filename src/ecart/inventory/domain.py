"""Inventory rules: reservation lines, statuses, the moves between them and what each move
does to stock (no framework imports)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


class Status(StrEnum):
    ACTIVE = "active"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"
    RESTOCKED = "restocked"


class Action(StrEnum):
    COMMIT = "commit"
    RELEASE = "release"
    RESTOCK = "restock"
    EXPIRE = "expire"


class InsufficientStock(Exception):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"Insufficient stock for product {product_id}")
        self.product_id = product_id


class ReservationConflict(Exception):
    """A move the reservation's status does not allow, or a known id with other lines."""


class InvalidIds(ValueError):
    pass


@dataclass(frozen=True)
class Move:
    source: Status
    target: Status
    done: frozenset[Status]  # statuses in which the move already happened (idempotent replay)


MOVES: dict[Action, Move] = {
    Action.COMMIT: Move(Status.ACTIVE, Status.COMMITTED, frozenset({Status.COMMITTED})),
    Action.RELEASE: Move(
        Status.ACTIVE, Status.RELEASED, frozenset({Status.RELEASED, Status.EXPIRED})
    ),
    Action.RESTOCK: Move(Status.COMMITTED, Status.RESTOCKED, frozenset({Status.RESTOCKED})),
    Action.EXPIRE: Move(Status.ACTIVE, Status.EXPIRED, frozenset({Status.EXPIRED})),
}


@dataclass(frozen=True)
class Reservation:
    reservation_id: str
    status: Status
    lines: dict[int, int]  # product id -> quantity
    expires_at: datetime
    created_at: datetime

    def is_overdue(self, now: datetime) -> bool:
        return self.status is Status.ACTIVE and self.expires_at <= now


def merge_lines(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """One quantity per product, in product order (a stable lock order for the updates)."""
    merged: dict[int, int] = {}
    for product_id, quantity in lines:
        merged[product_id] = merged.get(product_id, 0) + quantity
    return dict(sorted(merged.items()))


def needs_move(action: Action, status: Status) -> bool:
    """True if `action` must change a reservation in `status`; False if it already happened.
    Raises ReservationConflict when the status does not allow it."""
    move = MOVES[action]
    if status is move.source:
        return True
    if status in move.done:
        return False
    raise ReservationConflict(f"Reservation is {status.value}; it cannot be {_past(action)}")


def _past(action: Action) -> str:
    return {
        Action.COMMIT: "committed",
        Action.RELEASE: "released",
        Action.RESTOCK: "restocked",
        Action.EXPIRE: "expired",
    }[action]


def stock_delta(action: Action, quantity: int) -> tuple[int, int]:
    """(change of available, change of reserved) when `action` moves `quantity` units."""
    if action is Action.COMMIT:
        return 0, -quantity  # the units leave the warehouse
    if action is Action.RESTOCK:
        return quantity, 0  # a refunded order's units come back
    return quantity, -quantity  # release / expire: the hold returns to available


def parse_ids(raw: str, *, limit: int = 500) -> list[int]:
    """`"1,2,3"` -> [1, 2, 3]; positive integers only, at most `limit` of them."""
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(_DIGITS.fullmatch(part) for part in parts):
        raise InvalidIds("must be comma-separated positive integers")
    if len(parts) > limit:
        raise InvalidIds(f"at most {limit} ids")
    ids = [int(part) for part in parts]
    if any(i < 1 or i > MAX_ID for i in ids):
        raise InvalidIds("ids must be between 1 and 2^63-1")
    return list(dict.fromkeys(ids))
