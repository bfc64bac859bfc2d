"""order routes (seed 002) plus cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from ecart.order import clients, lifecycle, service
from ecart.order.config import OrderSettings
from ecart.order.domain import IllegalTransition, Status
from ecart.platform.auth import CurrentPrincipal, Principal
from ecart.platform.authz import ensure_self_or_privileged
from ecart.platform.http.app import Ctx
from ecart.platform.http.openapi import errors
from ecart.platform.money import Money
from ecart.platform.ratelimit import rate_limit

router = APIRouter(tags=["orders"])
OrderId = Annotated[int, Path(ge=1, le=2**53, description="Order ID")]
UserId = Annotated[str, Path(min_length=1, max_length=64)]
Skip = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]


def _settings(ctx: Ctx) -> OrderSettings:
    return cast(OrderSettings, ctx.settings)


SettingsDep = Annotated[OrderSettings, Depends(_settings)]


class CreateOrderIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=64)


class StatusIn(BaseModel):
    status: Status


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    payment_method: str | None = Field(
        None, max_length=64, description="test method: pm_card_success or pm_card_declined"
    )


class LineOut(BaseModel):
    product_id: int
    product_name: str
    quantity: int
    price: Money


class OrderOut(BaseModel):
    id: int
    user_id: str
    status: Status
    total_amount: Money
    items: list[LineOut]
    payment_id: str | None
    created_at: datetime
    updated_at: datetime


def _out(order: service.Order) -> OrderOut:
    return OrderOut(
        id=order.id,
        user_id=order.user_id,
        status=order.status,
        total_amount=order.total_amount,
        items=[LineOut(**vars(line)) for line in order.items],
        payment_id=order.payment_id,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


def _http_error(exc: Exception) -> HTTPException:
    if isinstance(exc, service.OrderNotFound):
        return HTTPException(404, "Order not found")
    if isinstance(exc, service.EmptyCart):
        return HTTPException(400, "Cart is empty")
    if isinstance(exc, clients.OutOfStock):
        return HTTPException(409, str(exc) or "Out of stock")
    if isinstance(exc, service.NotPayable):
        return HTTPException(400, "Order is not in pending status")
    if isinstance(exc, service.PaymentDeclined):
        return HTTPException(400, "Payment failed")
    if isinstance(exc, clients.PaymentRejected):
        return HTTPException(exc.status, exc.detail)
    if isinstance(exc, lifecycle.Forbidden):
        return HTTPException(403, str(exc))
    if isinstance(exc, IllegalTransition | service.Conflict):
        return HTTPException(409, str(exc))
    raise exc


_DOMAIN_ERRORS = (
    service.OrderNotFound,
    service.EmptyCart,
    service.NotPayable,
    service.PaymentDeclined,
    service.Conflict,
    clients.OutOfStock,
    clients.PaymentRejected,
    IllegalTransition,
    lifecycle.Forbidden,
)


async def _throttle(ctx: Ctx, limit: str, flow: str, principal: Principal) -> None:
    """Sensitive business flows are limited per account (OWASP API6)."""
    await ctx.rate_limits.hit(
        rate_limit(limit), flow, principal.subject, detail=f"Too many {flow} attempts; slow down"
    )


@router.post("/orders", status_code=201, response_model=OrderOut, responses=errors(400, 409, 429))
async def create_order(
    body: CreateOrderIn, principal: CurrentPrincipal, ctx: Ctx, settings: SettingsDep
) -> OrderOut:
    """Create an order from the user's cart: stock is reserved and the cart emptied before
    this returns."""
    ensure_self_or_privileged(principal, body.user_id)
    await _throttle(ctx, settings.checkout_rate_limit, "checkout", principal)
    try:
        return _out(await service.create_order(ctx, settings, body.user_id))
    except _DOMAIN_ERRORS as exc:
        raise _http_error(exc) from exc


@router.get("/orders", response_model=list[OrderOut])
async def list_orders(ctx: Ctx, skip: Skip = 0, limit: Limit = 100) -> list[OrderOut]:
    """All orders, newest first (admin)."""
    return [_out(o) for o in await service.list_orders(ctx, user_id=None, skip=skip, limit=limit)]


@router.get("/orders/user/{user_id}", response_model=list[OrderOut])
async def user_orders(
    user_id: UserId, ctx: Ctx, skip: Skip = 0, limit: Limit = 100
) -> list[OrderOut]:
    """A user's orders, newest first."""
    found = await service.list_orders(ctx, user_id=user_id, skip=skip, limit=limit)
    return [_out(o) for o in found]


@router.get("/orders/{order_id}", response_model=OrderOut, responses=errors(404))
async def get_order(order_id: OrderId, principal: CurrentPrincipal, ctx: Ctx) -> OrderOut:
    try:
        return _out(await service.get_order(ctx, order_id, principal))
    except _DOMAIN_ERRORS as exc:
        raise _http_error(exc) from exc


@router.put("/orders/{order_id}/status", response_model=OrderOut, responses=errors(404, 409))
async def update_status(
    order_id: OrderId, body: StatusIn, principal: CurrentPrincipal, ctx: Ctx
) -> OrderOut:
    """Move an order along the state machine (admin; an owner may cancel an unpaid order)."""
    try:
        return _out(await lifecycle.change_status(ctx, order_id, principal, body.status))
    except _DOMAIN_ERRORS as exc:
        raise _http_error(exc) from exc


@router.post("/orders/{order_id}/cancel", response_model=OrderOut, responses=errors(404, 409))
async def cancel_order(order_id: OrderId, principal: CurrentPrincipal, ctx: Ctx) -> OrderOut:
    """Cancel an unpaid order (owner or admin); an admin's cancel after payment refunds it."""
    try:
        return _out(await lifecycle.cancel(ctx, order_id, principal))
    except _DOMAIN_ERRORS as exc:
        raise _http_error(exc) from exc


@router.post(
    "/orders/{order_id}/payment", response_model=OrderOut, responses=errors(400, 404, 409, 429)
)
async def pay_order(
    order_id: OrderId,
    principal: CurrentPrincipal,
    ctx: Ctx,
    settings: SettingsDep,
    body: Annotated[PaymentIn | None, Body()] = None,
) -> OrderOut:
    """Pay the order through the payment service; success → `paid`."""
    method = body.payment_method if body else None
    await _throttle(ctx, settings.payment_rate_limit, "payment", principal)
    try:
        return _out(await lifecycle.pay(ctx, order_id, principal, method))
    except _DOMAIN_ERRORS as exc:
        raise _http_error(exc) from exc
