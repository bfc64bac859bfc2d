"""Cart rules: limits, stock, pricing at read time, checkout (no framework imports)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


class CartRuleBroken(ValueError):
    """A change the cart's rules refuse; the message says why."""


@dataclass(frozen=True)
class Limits:
    max_lines: int
    max_quantity: int


@dataclass(frozen=True)
class Product:
    """What catalog says about a product, at read time."""

    id: int
    name: str
    price: Decimal


@dataclass(frozen=True)
class CartLine:
    id: int
    user_id: str
    product_id: int
    quantity: int
    created_at: datetime


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    product: Product

    @property
    def subtotal(self) -> Decimal:
        return self.product.price * self.line.quantity


@dataclass(frozen=True)
class PricedCart:
    user_id: str
    lines: list[PricedLine]
    total: Decimal


def check_stock(available: int, wanted: int) -> None:
    if available < wanted:
        raise CartRuleBroken("Insufficient stock")


def quantity_after_add(
    *, in_cart: int | None, lines_in_cart: int, added: int, available: int, limits: Limits
) -> int:
    """The line's quantity once `added` units join the `in_cart` ones (None: a new line)."""
    if in_cart is None and lines_in_cart >= limits.max_lines:
        raise CartRuleBroken(f"A cart holds at most {limits.max_lines} different products")
    quantity = (in_cart or 0) + added
    if quantity > limits.max_quantity:
        raise CartRuleBroken(
            f"At most {limits.max_quantity} units of one product fit in a cart"
            f" ({in_cart or 0} already in it)"
        )
    check_stock(available, quantity)
    return quantity


def price_cart(
    user_id: str, lines: Iterable[CartLine], products: Mapping[int, Product]
) -> PricedCart:
    """Prices from catalog; a line whose product no longer exists is left out."""
    priced = [
        PricedLine(line, products[line.product_id]) for line in lines if line.product_id in products
    ]
    total = sum((p.subtotal for p in priced), Decimal("0"))
    return PricedCart(user_id, priced, total)


def ordered_quantities(items: Iterable[tuple[int, int]]) -> dict[int, int]:
    """(product_id, quantity) pairs of an order, a product listed twice counted once."""
    totals: dict[int, int] = {}
    for product_id, quantity in items:
        totals[product_id] = totals.get(product_id, 0) + quantity
    return totals


def remaining_after_checkout(in_cart: int, ordered: int) -> int:
    """What stays of a line once an order took `ordered` units; units added since the
    order read the cart stay."""
    return max(in_cart - ordered, 0)
