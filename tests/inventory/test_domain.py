from __future__ import annotations

import pytest

from ecart.inventory.domain import (
    Action,
    InvalidIds,
    ReservationConflict,
    Status,
    merge_lines,
    needs_move,
    parse_ids,
    stock_delta,
)


def test_merge_lines_sums_duplicates_in_product_order() -> None:
    assert merge_lines([(3, 1), (1, 2), (3, 4)]) == {1: 2, 3: 5}
    assert list(merge_lines([(3, 1), (1, 2)])) == [1, 3]


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    [
        (Action.COMMIT, Status.ACTIVE, True),
        (Action.COMMIT, Status.COMMITTED, False),
        (Action.RELEASE, Status.ACTIVE, True),
        (Action.RELEASE, Status.RELEASED, False),
        (Action.RELEASE, Status.EXPIRED, False),
        (Action.RESTOCK, Status.COMMITTED, True),
        (Action.RESTOCK, Status.RESTOCKED, False),
        (Action.EXPIRE, Status.ACTIVE, True),
    ],
)
def test_allowed_moves(action: Action, status: Status, expected: bool) -> None:
    assert needs_move(action, status) is expected


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (Action.COMMIT, Status.RELEASED),
        (Action.COMMIT, Status.EXPIRED),
        (Action.COMMIT, Status.RESTOCKED),
        (Action.RELEASE, Status.COMMITTED),
        (Action.RELEASE, Status.RESTOCKED),
        (Action.RESTOCK, Status.ACTIVE),
        (Action.RESTOCK, Status.RELEASED),
        (Action.EXPIRE, Status.COMMITTED),
    ],
)
def test_forbidden_moves(action: Action, status: Status) -> None:
    with pytest.raises(ReservationConflict):
        needs_move(action, status)


def test_stock_deltas() -> None:
    assert stock_delta(Action.COMMIT, 3) == (0, -3)
    assert stock_delta(Action.RELEASE, 3) == (3, -3)
    assert stock_delta(Action.EXPIRE, 3) == (3, -3)
    assert stock_delta(Action.RESTOCK, 3) == (3, 0)


def test_parse_ids() -> None:
    assert parse_ids(" 3, 1,3 ,2") == [3, 1, 2]
    for bad in ("", "a", "1,,x", "-1", "0", "١", "1" * 20):
        with pytest.raises(InvalidIds):
            parse_ids(bad)
    with pytest.raises(InvalidIds):
        parse_ids(",".join(str(i) for i in range(1, 502)))
