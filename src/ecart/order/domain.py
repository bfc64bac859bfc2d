"""Order rules: the state machine and totals (no framework imports)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PAID = "paid"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


MOVES: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.CONFIRMED, Status.PAID, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.PAID, Status.CANCELLED}),
    Status.PAID: frozenset({Status.PROCESSING, Status.REFUNDED}),
    Status.PROCESSING: frozenset({Status.SHIPPED, Status.REFUNDED}),
    Status.SHIPPED: frozenset({Status.DELIVERED}),
    Status.DELIVERED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.REFUNDED: frozenset(),
}
PAYABLE = frozenset({Status.PENDING, Status.CONFIRMED})
# Only a successful charge makes an order paid; nobody may set it by hand.
SET_BY_PAYMENT_ONLY = frozenset({Status.PAID})
# What a customer may do to their own order by hand.
CUSTOMER_MOVES = frozenset({Status.CANCELLED})
# The money of these orders is the shop's (paid, not refunded): the revenue statistics.
COLLECTED = frozenset({Status.PAID, Status.PROCESSING, Status.SHIPPED, Status.DELIVERED})


class IllegalTransition(Exception):
    def __init__(self, current: Status, target: Status, allowed: list[Status]) -> None:
        self.current, self.target, self.allowed = current, target, allowed
        listed = ", ".join(allowed) if allowed else "none"
        reason = ""
        if target in SET_BY_PAYMENT_ONLY:
            reason = " (only a successful payment makes an order paid)"
        super().__init__(
            f"Cannot change order status from {current} to {target}{reason}; allowed: {listed}"
        )


def manual_moves(current: Status, *, admin: bool) -> list[Status]:
    """The statuses a person may set by hand from `current`, in a stable order."""
    allowed = MOVES[current] - SET_BY_PAYMENT_ONLY
    if not admin:
        allowed &= CUSTOMER_MOVES
    return sorted(allowed, key=list(Status).index)


def check_manual_move(current: Status, target: Status, *, admin: bool) -> None:
    allowed = manual_moves(current, admin=admin)
    if target not in allowed:
        raise IllegalTransition(current, target, allowed)


@dataclass(frozen=True)
class Line:
    product_id: int
    product_name: str
    quantity: int
    price: Decimal

    @property
    def subtotal(self) -> Decimal:
        return self.price * self.quantity


def order_total(lines: list[Line]) -> Decimal:
    return sum((line.subtotal for line in lines), Decimal("0.00"))
