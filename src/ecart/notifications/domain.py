"""Notification rules: which event is worth an e-mail, what it says, when to retry (no
framework imports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum

GENERIC_GREETING = "Hello,"


class Kind(StrEnum):
    ORDER_CONFIRMATION = "order_confirmation"
    PAYMENT_RECEIPT = "payment_receipt"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PAYMENT_REFUNDED = "payment_refunded"


class Status(StrEnum):
    PENDING = "pending"  # waiting for its recipient's address, its first send or a retry
    SENT = "sent"
    FAILED = "failed"  # the server refused it for good (5xx for the recipient)


_ORDER_KINDS = {
    "order_created": Kind.ORDER_CONFIRMATION,
    "order_paid": Kind.PAYMENT_RECEIPT,
    "order_cancelled": Kind.CANCELLED,
    "order_refunded": Kind.REFUNDED,
}
ORDER_EVENT_TYPES = frozenset({*_ORDER_KINDS, "order_status_updated"})


def order_kind(event_type: str, status: str) -> Kind | None:
    """The e-mail an order event calls for, if any. `order_status_updated` comes with every
    change; only the move to `shipped` has no specific event of its own, so only it counts."""
    if event_type == "order_status_updated":
        return Kind.SHIPPED if status == "shipped" else None
    return _ORDER_KINDS.get(event_type)


def amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


@dataclass(frozen=True)
class Item:
    product_name: str
    quantity: int
    price: Decimal


@dataclass(frozen=True)
class OrderFacts:
    order_id: int
    status: str
    total: Decimal
    items: tuple[Item, ...]
    payment_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str


_SUBJECTS = {
    Kind.ORDER_CONFIRMATION: "Order confirmation: order #{id}",
    Kind.PAYMENT_RECEIPT: "Payment receipt for order #{id}",
    Kind.SHIPPED: "Your order #{id} has shipped",
    Kind.CANCELLED: "Your order #{id} has been cancelled",
    Kind.REFUNDED: "Your order #{id} has been refunded",
    Kind.PAYMENT_REFUNDED: "Refund of a payment for order #{id}",
}


def greeting(name: str | None) -> str:
    name = " ".join((name or "").split())
    return f"Hello {name}," if name else GENERIC_GREETING


def regreet(body: str, name: str | None) -> str:
    """A body written before its recipient's name was known, greeting them by name."""
    first, sep, rest = body.partition("\n")
    return f"{greeting(name)}{sep}{rest}" if first == GENERIC_GREETING else body


def _intro(kind: Kind, order: OrderFacts) -> str:
    total = amount(order.total)
    if kind == Kind.ORDER_CONFIRMATION:
        return "Thank you for your order. Your items are reserved; the order awaits payment."
    if kind == Kind.PAYMENT_RECEIPT:
        return f"We have received your payment of {total}. Thank you!"
    if kind == Kind.SHIPPED:
        return "Good news: your order is on its way."
    if kind == Kind.CANCELLED:
        if order.reason == "reservation_expired":
            return "Your order has been cancelled: it was not paid in time."
        return "Your order has been cancelled."
    if kind == Kind.REFUNDED:
        return f"Your order has been refunded: {total} is on its way back to you."
    raise ValueError(f"not an order e-mail: {kind}")


def order_email(kind: Kind, order: OrderFacts, name: str | None) -> Draft:
    lines = [greeting(name), "", _intro(kind, order), "", f"Order: #{order.order_id}"]
    lines.append(f"Status: {order.status}")
    if order.payment_id:
        lines.append(f"Payment: {order.payment_id}")
    lines += ["", "Items:"]
    for item in order.items:
        subtotal = amount(item.price * item.quantity)
        lines.append(
            f"  {item.quantity} x {item.product_name} at {amount(item.price)} = {subtotal}"
        )
    lines += [f"Total: {amount(order.total)}", "", "ecart"]
    return Draft(_SUBJECTS[kind].format(id=order.order_id), "\n".join(lines) + "\n")


def refund_email(order_id: int, payment_id: str, refunded: Decimal, name: str | None) -> Draft:
    """A charge that the order could not take (it expired meanwhile, or another payment won)
    was refunded: the order's own e-mails do not mention it."""
    lines = [
        greeting(name),
        "",
        f"Your payment of {amount(refunded)} for order #{order_id} could not be applied to the "
        "order and has been refunded.",
        "",
        f"Order: #{order_id}",
        f"Payment: {payment_id}",
        f"Refunded: {amount(refunded)}",
        "",
        "ecart",
    ]
    return Draft(_SUBJECTS[Kind.PAYMENT_REFUNDED].format(id=order_id), "\n".join(lines) + "\n")


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    body: str,
    event_id: str,
    created_at: datetime,
) -> EmailMessage:
    """A plain-text e-mail; its Message-ID comes from the event, so a re-send is the same
    message to the server."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(created_at)
    message["Message-ID"] = f"<{event_id}@notifications.ecart>"
    message.set_content(body)
    return message


def backoff(attempts: int, base: float, maximum: float) -> float:
    """Seconds to wait after the `attempts`-th failed send: base, 2·base, 4·base, … ≤ maximum."""
    return float(min(base * 2 ** min(max(attempts - 1, 0), 32), maximum))
