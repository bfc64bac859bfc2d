from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ecart.cart.domain import (
    CartLine,
    CartRuleBroken,
    Limits,
    Product,
    check_stock,
    ordered_quantities,
    price_cart,
    quantity_after_add,
    remaining_after_checkout,
)

LIMITS = Limits(max_lines=3, max_quantity=10)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _line(product_id: int, quantity: int) -> CartLine:
    return CartLine(product_id, "7", product_id, quantity, NOW)


def test_adding_to_a_new_line() -> None:
    assert (
        quantity_after_add(in_cart=None, lines_in_cart=0, added=4, available=4, limits=LIMITS) == 4
    )


def test_adding_to_an_existing_line_adds_up() -> None:
    assert quantity_after_add(in_cart=3, lines_in_cart=3, added=4, available=9, limits=LIMITS) == 7


def test_stock_counts_what_is_already_in_the_cart() -> None:
    with pytest.raises(CartRuleBroken, match=r"^Insufficient stock$"):
        quantity_after_add(in_cart=3, lines_in_cart=1, added=4, available=6, limits=LIMITS)


def test_quantity_cap() -> None:
    with pytest.raises(CartRuleBroken, match="At most 10 units"):
        quantity_after_add(in_cart=6, lines_in_cart=1, added=5, available=100, limits=LIMITS)


def test_line_cap_applies_to_new_lines_only() -> None:
    with pytest.raises(CartRuleBroken, match="at most 3 different products"):
        quantity_after_add(in_cart=None, lines_in_cart=3, added=1, available=5, limits=LIMITS)
    assert quantity_after_add(in_cart=1, lines_in_cart=3, added=1, available=5, limits=LIMITS) == 2


def test_check_stock() -> None:
    check_stock(5, 5)
    with pytest.raises(CartRuleBroken):
        check_stock(0, 1)


def test_price_cart_uses_decimal_and_skips_gone_products() -> None:
    products = {
        1: Product(1, "Pencil", Decimal("0.10")),
        2: Product(2, "Pad", Decimal("19.99")),
    }
    cart = price_cart("7", [_line(1, 3), _line(2, 2), _line(3, 1)], products)
    assert [p.line.product_id for p in cart.lines] == [1, 2]
    assert cart.total == Decimal("40.28")
    assert price_cart("7", [], products).total == 0


def test_checkout_subtracts_and_merges() -> None:
    assert ordered_quantities([(1, 2), (2, 1), (1, 3)]) == {1: 5, 2: 1}
    assert remaining_after_checkout(5, 2) == 3
    assert remaining_after_checkout(2, 2) == 0
    assert remaining_after_checkout(2, 9) == 0
