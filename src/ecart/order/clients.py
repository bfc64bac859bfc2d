"""The order service's calls to cart, inventory and payment (internal routes, service token)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from ecart.order.domain import Line
from ecart.platform.http.app import ServiceContext
from ecart.platform.http.errors import ServiceUnavailable


class OutOfStock(Exception):
    pass


class ReservationGone(Exception):
    """The reservation was released or expired before payment committed it."""


class PaymentRejected(Exception):
    """The payment service refused the request itself (4xx), not the card."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text[:200]


def _unexpected(service: str, response: httpx.Response) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"{service} service answered {response.status_code}: {_detail(response)}"
    )


async def cart_lines(ctx: ServiceContext, user_id: str) -> list[Line]:
    response = await ctx.client("cart").request("GET", f"/cart/{user_id}")
    if response.status_code != 200:
        raise _unexpected("cart", response)
    body = json.loads(response.content, parse_float=Decimal)
    return [
        Line(
            product_id=int(item["product_id"]),
            product_name=str(item["product_name"]),
            quantity=int(item["quantity"]),
            price=Decimal(item["product_price"]).quantize(Decimal("0.01")),
        )
        for item in body["items"]
    ]


async def clear_ordered(ctx: ServiceContext, user_id: str, lines: list[Line]) -> None:
    items = [{"product_id": line.product_id, "quantity": line.quantity} for line in lines]
    response = await ctx.client("cart").request(
        "POST", f"/cart/{user_id}/checkout-clear", json={"items": items}
    )
    if response.status_code != 200:
        raise _unexpected("cart", response)


async def reserve(
    ctx: ServiceContext, reservation_id: str, lines: list[Line], ttl_seconds: int
) -> None:
    body: dict[str, Any] = {
        "reservation_id": reservation_id,
        "lines": [{"product_id": line.product_id, "quantity": line.quantity} for line in lines],
    }
    if ttl_seconds:
        body["ttl_seconds"] = ttl_seconds
    # Safe to retry: a replay with the same id and lines returns the same reservation.
    response = await ctx.client("inventory").request(
        "POST", "/reservations", json=body, idempotent=True
    )
    if response.status_code == 409:
        raise OutOfStock(_detail(response))
    if response.status_code not in (200, 201):
        raise _unexpected("inventory", response)


async def reservation_action(ctx: ServiceContext, reservation_id: str, action: str) -> None:
    """`commit`, `release` or `restock`; each is idempotent on the inventory side."""
    response = await ctx.client("inventory").request(
        "POST", f"/reservations/{reservation_id}/{action}", idempotent=True
    )
    if response.status_code == 409:
        raise ReservationGone(_detail(response))
    if response.status_code != 200:
        raise _unexpected("inventory", response)


async def charge(
    ctx: ServiceContext,
    *,
    order_id: int,
    user_id: str,
    amount: Decimal,
    payment_method: str | None,
    attempt_key: str,
) -> dict[str, Any]:
    """Charge once per `attempt_key`: the payment service answers a retry with the first
    payment, so this call is safe to retry after a timeout."""
    body: dict[str, Any] = {"order_id": order_id, "user_id": user_id, "amount": float(amount)}
    if payment_method is not None:
        body["payment_method"] = payment_method
    response = await ctx.client("payment").request(
        "POST",
        "/payments",
        json=body,
        headers={"Idempotency-Key": attempt_key},
        idempotent=True,
    )
    if 400 <= response.status_code < 500:
        raise PaymentRejected(response.status_code, _detail(response))
    if response.status_code not in (200, 201):
        raise _unexpected("payment", response)
    result: dict[str, Any] = response.json()
    return result


async def payment_of_attempt(
    ctx: ServiceContext, order_id: int, attempt_key: str
) -> dict[str, Any] | None:
    """The payment an attempt made, or None when the payment service has none (no charge)."""
    response = await ctx.client("payment").request(
        "GET", f"/payments/order/{order_id}", params={"attempt_key": attempt_key}
    )
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise _unexpected("payment", response)
    result: dict[str, Any] = response.json()
    return result


async def refund(ctx: ServiceContext, payment_id: str) -> None:
    response = await ctx.client("payment").request(
        "POST", f"/payments/{payment_id}/refund", idempotent=True
    )
    if response.status_code != 200:
        raise _unexpected("payment", response)
