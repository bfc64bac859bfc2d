"""What happens to an order after checkout: status changes, cancel, expiry (payment is in
payment_flow.py)."""

from __future__ import annotations

import structlog

from ecart.order import clients
from ecart.order.domain import CUSTOMER_MOVES, PAYABLE, Status, check_manual_move
from ecart.order.service import (
    Conflict,
    Order,
    find_by_reservation,
    get_order,
    record_status,
    set_status,
)
from ecart.platform.auth import Principal
from ecart.platform.http.app import ServiceContext
from ecart.platform.outbox import UnitOfWork

log = structlog.get_logger("ecart.order")


class Forbidden(Exception):
    pass


async def change_status(
    ctx: ServiceContext, order_id: int, principal: Principal, target: Status
) -> Order:
    order = await get_order(ctx, order_id, principal, primary=True)
    if not principal.is_admin and target not in CUSTOMER_MOVES:
        raise Forbidden("Only an admin may set this status")
    check_manual_move(order.status, target, admin=principal.is_admin)
    if target == Status.CANCELLED:
        try:
            await clients.reservation_action(ctx, order.reservation_id, "release")
        except clients.ReservationGone as exc:
            raise Conflict("The order was paid meanwhile; it can only be refunded") from exc
    elif target == Status.REFUNDED:
        if order.payment_id:
            await clients.refund(ctx, order.payment_id)
        await clients.reservation_action(ctx, order.reservation_id, "restock")
    changed = await set_status(ctx, order, target, reason=f"set by {principal.role}")
    if changed is None:
        raise Conflict("The order changed meanwhile; reload it and try again")
    return changed


async def cancel(ctx: ServiceContext, order_id: int, principal: Principal) -> Order:
    """Cancel before payment; after payment an admin's cancel is a refund."""
    order = await get_order(ctx, order_id, principal, primary=True)
    paid_like = order.status in (Status.PAID, Status.PROCESSING)
    target = Status.REFUNDED if paid_like and principal.is_admin else Status.CANCELLED
    return await change_status(ctx, order_id, principal, target)


async def expire_reservation(uow: UnitOfWork, reservation_id: str) -> None:
    """Consumer effect of `reservation_expired`: an unpaid order becomes cancelled."""
    order = await find_by_reservation(uow.conn, reservation_id)
    if order is None or order.status not in PAYABLE:
        return
    await record_status(
        uow, order, Status.CANCELLED, reason="reservation_expired", expected=PAYABLE
    )
    log.info("order_expired", order_id=order.id)
