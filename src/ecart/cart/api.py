"""cart routes: read (owner, admin, services), change (owner, admin), clear for checkout
(services, admin). Names and prices come from catalog at read time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from ecart.cart import service
from ecart.cart.domain import CartRuleBroken, PricedLine, ordered_quantities
from ecart.platform.http.app import Ctx
from ecart.platform.http.openapi import errors
from ecart.platform.money import Money

router = APIRouter(prefix="/cart", tags=["cart"])

MAX_ID = 2_147_483_647  # a 32-bit INTEGER column on PostgreSQL
ABSURD_QUANTITY = 1_000_000  # past this, validation refuses before the configured cap

UserId = Annotated[str, Path(min_length=1, max_length=64, description="the token's subject")]
ProductId = Annotated[int, Path(ge=1, le=MAX_ID)]
Quantity = Annotated[int, Field(ge=1, le=ABSURD_QUANTITY)]


# Who may read or change which cart is in policy.py (the owner of `user_id`, admins;
# services read carts and clear them at checkout).
ReadableCart = UserId
WritableCart = UserId


class ItemIn(BaseModel):
    product_id: int = Field(ge=1, le=MAX_ID)
    quantity: Quantity = 1


class OrderedItem(BaseModel):
    product_id: int = Field(ge=1, le=MAX_ID)
    quantity: Quantity


class CheckoutClearIn(BaseModel):
    items: list[OrderedItem] = Field(max_length=1000)


class CartItemOut(BaseModel):
    id: int
    user_id: str
    product_id: int
    quantity: int
    product_name: str
    product_price: Money
    created_at: datetime


class CartOut(BaseModel):
    user_id: str
    items: list[CartItemOut]
    total: Money


class MessageOut(BaseModel):
    message: str


def _item_out(priced: PricedLine) -> CartItemOut:
    line, product = priced.line, priced.product
    return CartItemOut(
        id=line.id,
        user_id=line.user_id,
        product_id=line.product_id,
        quantity=line.quantity,
        product_name=product.name,
        product_price=product.price,
        created_at=line.created_at,
    )


def _check_quantity(ctx: Ctx, quantity: int) -> None:
    cap = service.limits(ctx).max_quantity
    if quantity > cap:
        raise HTTPException(422, f"Invalid request: quantity: must be at most {cap}")


@router.get("/{user_id}", response_model=CartOut)
async def get_cart(user_id: ReadableCart, ctx: Ctx) -> CartOut:
    """The cart with current names and prices; products catalog no longer has are left out."""
    cart = await service.get_cart(ctx, user_id)
    return CartOut(user_id=cart.user_id, items=[_item_out(p) for p in cart.lines], total=cart.total)


@router.post("/{user_id}/items", response_model=CartItemOut, responses=errors(400, 404))
async def add_item(user_id: WritableCart, body: ItemIn, ctx: Ctx) -> CartItemOut:
    """Adds a product; one already in the cart gets the new units added to its quantity."""
    _check_quantity(ctx, body.quantity)
    try:
        priced = await service.add_item(ctx, user_id, body.product_id, body.quantity)
    except service.ProductNotFound:
        raise HTTPException(404, "Product not found") from None
    except CartRuleBroken as exc:
        raise HTTPException(400, str(exc)) from None
    ctx.metrics.counter("ecart_cart_adds_total").inc()
    return _item_out(priced)


@router.put("/{user_id}/items/{product_id}", response_model=MessageOut, responses=errors(400, 404))
async def update_item(
    user_id: WritableCart,
    product_id: ProductId,
    quantity: Annotated[int, Query(ge=1, le=ABSURD_QUANTITY)],
    ctx: Ctx,
) -> MessageOut:
    """Sets the quantity of a product already in the cart."""
    _check_quantity(ctx, quantity)
    try:
        await service.update_quantity(ctx, user_id, product_id, quantity)
    except service.ItemNotInCart:
        raise HTTPException(404, "Item not found in cart") from None
    except CartRuleBroken as exc:
        raise HTTPException(400, str(exc)) from None
    return MessageOut(message="Item quantity updated")


@router.delete("/{user_id}/items/{product_id}", response_model=MessageOut, responses=errors(404))
async def remove_item(user_id: WritableCart, product_id: ProductId, ctx: Ctx) -> MessageOut:
    try:
        await service.remove_item(ctx, user_id, product_id)
    except service.ItemNotInCart:
        raise HTTPException(404, "Item not found in cart") from None
    return MessageOut(message="Item removed from cart")


@router.delete("/{user_id}", response_model=MessageOut)
async def clear_cart(user_id: WritableCart, ctx: Ctx) -> MessageOut:
    await service.clear_cart(ctx, user_id)
    return MessageOut(message="Cart cleared")


@router.post("/{user_id}/checkout-clear", response_model=MessageOut)
async def checkout_clear(user_id: UserId, body: CheckoutClearIn, ctx: Ctx) -> MessageOut:
    """Internal (the order service): subtracts the ordered quantities, dropping lines that
    reach 0; anything added since the order read the cart stays."""
    ordered = ordered_quantities((item.product_id, item.quantity) for item in body.items)
    await service.checkout_clear(ctx, user_id, ordered)
    return MessageOut(message="Ordered items removed from cart")
