"""payment routes: charge (services), read (owner, admin, services), refund (services)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ecart.payment import service
from ecart.payment.domain import RefundNotAllowed, UnknownPaymentMethod
from ecart.platform.auth import CurrentPrincipal, Principal
from ecart.platform.http.app import Ctx
from ecart.platform.http.openapi import errors
from ecart.platform.money import Money, PriceIn, from_cents

router = APIRouter(prefix="/payments", tags=["payments"])

MAX_ORDER_ID = 2_147_483_647  # a 32-bit INTEGER column on PostgreSQL
NOT_FOUND = "Payment not found"


class PaymentIn(BaseModel):
    """A charge request. Unknown fields are ignored, so a card number or CVV a client sends
    anyway is dropped here: never stored, never logged, never echoed."""

    model_config = ConfigDict(extra="ignore")

    order_id: int = Field(ge=1, le=MAX_ORDER_ID)
    amount: PriceIn
    user_id: str = Field(min_length=1, max_length=64)
    payment_method: str | None = Field(None, min_length=1, max_length=64)


class PaymentOut(BaseModel):
    id: str
    order_id: int
    user_id: str
    amount: Money
    status: str
    payment_method: str | None
    created_at: datetime
    refunded_at: datetime | None
    attempt_key: str | None = Field(None, description="the caller's key for this charge attempt")


def _payment_out(row: Any) -> PaymentOut:
    return PaymentOut(
        id=row.id,
        order_id=row.order_id,
        user_id=row.user_id,
        amount=from_cents(row.amount_cents),
        status=row.status,
        payment_method=row.payment_method,
        created_at=row.created_at,
        refunded_at=row.refunded_at,
        attempt_key=row.attempt_key,
    )


def _visible(row: Any | None, principal: Principal) -> Any:
    """The payment if the caller may see it; someone else's payment is "not found"."""
    if row is None or not (principal.is_privileged or row.user_id == principal.subject):
        raise HTTPException(404, NOT_FOUND)
    return row


@router.post(
    "",
    status_code=201,
    response_model=PaymentOut,
    responses={200: {"model": PaymentOut, "description": "A retry: the attempt's payment"}},
)
async def create_payment(
    body: PaymentIn,
    ctx: Ctx,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="one charge attempt: a retry with the same key returns the same payment",
        ),
    ] = None,
) -> PaymentOut:
    """Charge an order through the simulated provider (services and admins only).
    `pm_card_success` always succeeds, `pm_card_declined` always fails; without a method the
    provider approves with probability `ECART_PAYMENT_SUCCESS_RATE`. A retry with the same
    `Idempotency-Key` charges nothing and answers 200 with the first payment."""
    try:
        row, created = await service.create_payment(
            ctx,
            order_id=body.order_id,
            user_id=body.user_id,
            amount=body.amount,
            method=body.payment_method,
            attempt_key=idempotency_key,
        )
    except UnknownPaymentMethod as exc:
        raise HTTPException(422, str(exc)) from None
    except service.AttemptConflict:
        raise HTTPException(
            422, "This Idempotency-Key was already used for a different charge"
        ) from None
    if not created:
        response.status_code = 200
    return _payment_out(row)


@router.get("/order/{order_id}", response_model=PaymentOut, responses=errors(404))
async def payment_of_order(
    order_id: Annotated[int, Path(ge=1, le=MAX_ORDER_ID)],
    principal: CurrentPrincipal,
    ctx: Ctx,
    attempt_key: Annotated[
        str | None, Query(min_length=1, max_length=200, description="only this attempt")
    ] = None,
) -> PaymentOut:
    """The most recent payment of an order (its owner, admins, services); with
    `attempt_key`, the payment of that charge attempt (how the order service reconciles a
    charge whose answer it never got)."""
    row = await service.latest_payment_of_order(ctx, order_id, attempt_key)
    return _payment_out(_visible(row, principal))


@router.get("/{payment_id}", response_model=PaymentOut, responses=errors(404))
async def get_payment(payment_id: str, principal: CurrentPrincipal, ctx: Ctx) -> PaymentOut:
    """One payment (its owner, admins, services)."""
    row = await service.find_payment(ctx, payment_id)
    return _payment_out(_visible(row, principal))


@router.post("/{payment_id}/refund", response_model=PaymentOut, responses=errors(404, 409))
async def refund_payment(payment_id: str, ctx: Ctx) -> PaymentOut:
    """`success → refunded` (services and admins); refunding again returns the payment
    unchanged; a failed payment → 409."""
    try:
        row = await service.refund_payment(ctx, payment_id)
    except RefundNotAllowed as exc:
        raise HTTPException(409, str(exc)) from None
    if row is None:
        raise HTTPException(404, NOT_FOUND)
    return _payment_out(row)
