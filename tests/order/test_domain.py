"""The order state machine of DESIGN.md, move by move."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecart.order.domain import (
    IllegalTransition,
    Line,
    Status,
    check_manual_move,
    manual_moves,
    order_total,
)

S = Status
ADMIN_MOVES = {
    S.PENDING: [S.CONFIRMED, S.CANCELLED],
    S.CONFIRMED: [S.CANCELLED],
    S.PAID: [S.PROCESSING, S.REFUNDED],
    S.PROCESSING: [S.SHIPPED, S.REFUNDED],
    S.SHIPPED: [S.DELIVERED],
    S.DELIVERED: [],
    S.CANCELLED: [],
    S.REFUNDED: [],
}


@pytest.mark.parametrize(("current", "allowed"), ADMIN_MOVES.items())
def test_admin_moves_follow_the_table(current: Status, allowed: list[Status]) -> None:
    assert manual_moves(current, admin=True) == allowed
    for target in Status:
        if target in allowed:
            check_manual_move(current, target, admin=True)
        else:
            with pytest.raises(IllegalTransition):
                check_manual_move(current, target, admin=True)


def test_nobody_sets_paid_by_hand() -> None:
    with pytest.raises(IllegalTransition, match="only a successful payment"):
        check_manual_move(S.PENDING, S.PAID, admin=True)


def test_customer_may_only_cancel_unpaid_orders() -> None:
    assert manual_moves(S.PENDING, admin=False) == [S.CANCELLED]
    assert manual_moves(S.CONFIRMED, admin=False) == [S.CANCELLED]
    assert manual_moves(S.PAID, admin=False) == []


def test_illegal_move_message_lists_the_allowed_ones() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_manual_move(S.PAID, S.PENDING, admin=True)
    assert str(caught.value) == (
        "Cannot change order status from paid to pending; allowed: processing, refunded"
    )


def test_total_is_exact_decimal_arithmetic() -> None:
    lines = [Line(1, "A", 3, Decimal("0.10")), Line(2, "B", 2, Decimal("999.99"))]
    assert order_total(lines) == Decimal("2000.28")
    assert order_total([]) == Decimal("0.00")
