"""order routes (seed 002) plus cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ecart.order import clients, lifecycle, payment_flow, service, stats
from ecart.order.config import OrderSettings
from ecart.order.domain import IllegalTransition, Status
from ecart.order.store import idempotency_keys
from ecart.platform.auth import CurrentPrincipal, Principal
from ecart.platform.authz import ensure_self_or_privileged
from ecart.platform.http.app import Ctx
from ecart.platform.http.openapi import errors
from ecart.platform.idempotency import MAX_KEY_LENGTH, Idempotency, fingerprint
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


def _idempotency(ctx: Ctx, settings: SettingsDep) -> Idempotency:
    return Idempotency(ctx.db, idempotency_keys, ttl_seconds=settings.idempotency_ttl_seconds)


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=MAX_KEY_LENGTH,
        description="retry safely: the first response is replayed for 24 h",
    ),
]


@router.post(
    "/orders", status_code=201, response_model=OrderOut, responses=errors(400, 409, 422, 429)
)
async def create_order(
    body: CreateOrderIn,
    principal: CurrentPrincipal,
    ctx: Ctx,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Create an order from the user's cart: stock is reserved and the cart emptied before
    this returns. With an `Idempotency-Key`, a retry gets the first response and never a
    second order."""
    ensure_self_or_privileged(principal, body.user_id)

    async def run() -> OrderOut:
        await _throttle(ctx, settings.checkout_rate_limit, "checkout", principal)
        try:
            return _out(await service.create_order(ctx, settings, body.user_id))
        except _DOMAIN_ERRORS as exc:
            raise _http_error(exc) from exc

    scope = f"{principal.subject}:POST /orders"
    digest = fingerprint(body.model_dump())
    return await idempotency.run(idempotency_key, scope, digest, run, status_code=201)


@router.get("/orders", response_model=list[OrderOut])
async def list_orders(
    ctx: Ctx,
    skip: Skip = 0,
    limit: Limit = 100,
    status: Annotated[Status | None, Query(description="only orders in this status")] = None,
) -> list[OrderOut]:
    """All orders, newest first, optionally only those in one `status` (admin)."""
    found = await service.list_orders(ctx, user_id=None, skip=skip, limit=limit, status=status)
    return [_out(o) for o in found]


class StatusCountOut(BaseModel):
    status: Status
    count: int


class OrderStatsOut(BaseModel):
    orders: int = Field(description="every order, whatever its status")
    by_status: list[StatusCountOut] = Field(description="every status, in state-machine order")
    revenue: Money = Field(description="total of the orders paid and not refunded")
    paid_orders: int = Field(description="orders paid and not refunded")
    average_order_value: Money
    orders_last_24h: int
    revenue_last_24h: Money


@router.get("/orders/stats", response_model=OrderStatsOut)
async def order_stats(ctx: Ctx) -> OrderStatsOut:
    """Figures for the admin dashboard (admin): orders per status, revenue (orders paid,
    processing, shipped or delivered), average order value, and the last 24 hours."""
    figures = await stats.order_stats(ctx)
    return OrderStatsOut(
        orders=figures.orders,
        by_status=[StatusCountOut(status=s, count=n) for s, n in figures.by_status.items()],
        revenue=figures.revenue,
        paid_orders=figures.paid_orders,
        average_order_value=figures.average_order_value,
        orders_last_24h=figures.orders_last_24h,
        revenue_last_24h=figures.revenue_last_24h,
    )


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
    "/orders/{order_id}/payment",
    response_model=OrderOut,
    responses=errors(400, 404, 409, 422, 429, 503),
)
async def pay_order(
    order_id: OrderId,
    principal: CurrentPrincipal,
    ctx: Ctx,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
    body: Annotated[PaymentIn | None, Body()] = None,
) -> Response:
    """Pay the order through the payment service; success → `paid`. With an
    `Idempotency-Key`, a retry gets the first response and is never charged twice; if the
    payment service does not answer (503), a retry with the same key settles the same
    charge, and the order service reconciles it in any case."""
    method = body.payment_method if body else None
    scope = f"{principal.subject}:POST /orders/{order_id}/payment"
    attempt_key = (
        f"order-{order_id}-{fingerprint(scope, idempotency_key)[:32]}" if idempotency_key else None
    )

    async def run() -> OrderOut:
        await _throttle(ctx, settings.payment_rate_limit, "payment", principal)
        try:
            return _out(await payment_flow.pay(ctx, order_id, principal, method, attempt_key))
        except payment_flow.PaymentOutcomeUnknown as exc:
            raise HTTPException(
                503,
                "The payment service did not answer; the payment will be reconciled. Retry "
                "with the same Idempotency-Key to learn the outcome.",
                headers={"Retry-After": "5"},
            ) from exc
        except _DOMAIN_ERRORS as exc:
            raise _http_error(exc) from exc

    digest = fingerprint(order_id, method)
    return await idempotency.run(idempotency_key, scope, digest, run)
