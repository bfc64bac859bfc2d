"""Cart use cases: read a priced cart, add, change, remove, clear, clear for checkout.

Calls to catalog and inventory happen before the write transaction opens, never inside it
(a SQLite write lock is never held across the network); the rules are then checked against
the cart as it is inside the transaction. Use cases that read the cart to decide what to
write (add, clear for checkout) hold a per-cart lock for their transaction: SQLite's writes
are serial anyway, PostgreSQL would otherwise let two of them decide from the same cart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from sqlalchemy.exc import IntegrityError

from ecart.cart import store, upstream
from ecart.cart.config import CartSettings
from ecart.cart.domain import (
    CartLine,
    Limits,
    PricedCart,
    PricedLine,
    check_stock,
    price_cart,
    quantity_after_add,
    remaining_after_checkout,
)
from ecart.platform.db import lock_key
from ecart.platform.events import utcnow
from ecart.platform.http.app import ServiceContext


class ProductNotFound(Exception):
    pass


class ItemNotInCart(Exception):
    pass


def limits(ctx: ServiceContext) -> Limits:
    settings = cast(CartSettings, ctx.settings)
    return Limits(max_lines=settings.max_lines, max_quantity=settings.max_quantity)


async def get_cart(ctx: ServiceContext, user_id: str) -> PricedCart:
    async with ctx.db.read() as conn:
        lines = await store.lines_of(conn, user_id)
    products = await upstream.fetch_products(ctx, [line.product_id for line in lines])
    return price_cart(user_id, lines, products)


async def add_item(ctx: ServiceContext, user_id: str, product_id: int, quantity: int) -> PricedLine:
    """Adds `quantity` units (to the line already there, if any); raises ProductNotFound or
    CartRuleBroken."""
    product = await upstream.fetch_product(ctx, product_id)
    if product is None:
        raise ProductNotFound(product_id)
    available = await upstream.available_stock(ctx, product_id)
    try:
        line = await _save_added(ctx, user_id, product_id, quantity, available)
    except IntegrityError:
        # PostgreSQL: a concurrent add inserted the line first; add to it this time.
        line = await _save_added(ctx, user_id, product_id, quantity, available)
    return PricedLine(line, product)


async def _save_added(
    ctx: ServiceContext, user_id: str, product_id: int, quantity: int, available: int
) -> CartLine:
    async with ctx.unit_of_work() as uow:
        await lock_key(uow.conn, "cart", user_id)  # the line and line-count rules, see below
        line = await store.line_of(uow.conn, user_id, product_id)
        new_quantity = quantity_after_add(
            in_cart=None if line is None else line.quantity,
            lines_in_cart=await store.count_lines(uow.conn, user_id),
            added=quantity,
            available=available,
            limits=limits(ctx),
        )
        if line is None:
            return await store.insert_line(uow.conn, user_id, product_id, new_quantity, utcnow())
        saved = await store.set_quantity(uow.conn, user_id, product_id, new_quantity, utcnow())
    if saved is None:  # cannot happen: the line was read in the same write transaction
        raise ItemNotInCart(product_id)
    return saved


async def update_quantity(
    ctx: ServiceContext, user_id: str, product_id: int, quantity: int
) -> None:
    """Sets a line's quantity; raises ItemNotInCart or CartRuleBroken."""
    async with ctx.db.read() as conn:
        if await store.line_of(conn, user_id, product_id) is None:
            raise ItemNotInCart(product_id)
    check_stock(await upstream.available_stock(ctx, product_id), quantity)
    async with ctx.unit_of_work() as uow:
        if await store.set_quantity(uow.conn, user_id, product_id, quantity, utcnow()) is None:
            raise ItemNotInCart(product_id)


async def remove_item(ctx: ServiceContext, user_id: str, product_id: int) -> None:
    async with ctx.unit_of_work() as uow:
        if not await store.delete_line(uow.conn, user_id, product_id):
            raise ItemNotInCart(product_id)


async def clear_cart(ctx: ServiceContext, user_id: str) -> None:
    async with ctx.unit_of_work() as uow:
        await store.delete_cart(uow.conn, user_id)


async def checkout_clear(ctx: ServiceContext, user_id: str, ordered: Mapping[int, int]) -> None:
    """Takes out what an order took; lines and units added since the order read the cart
    stay."""
    async with ctx.unit_of_work() as uow:
        await lock_key(uow.conn, "cart", user_id)
        for line in await store.lines_of(uow.conn, user_id):
            if line.product_id not in ordered:
                continue
            left = remaining_after_checkout(line.quantity, ordered[line.product_id])
            if left == 0:
                await store.delete_line(uow.conn, user_id, line.product_id)
            else:
                await store.set_quantity(uow.conn, user_id, line.product_id, left, utcnow())
