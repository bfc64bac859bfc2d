"""The events the payment service publishes on `payment-events` (key: payment id).

`data` is `{payment_id, order_id, user_id, amount}`; `amount` is a JSON number with at most
two decimals (`49.5`, `1999.98`), like every amount on the wire — never integer cents.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ecart.platform.events import Event
from ecart.platform.money import Money, from_cents

TOPIC = "payment-events"
PAYMENT_SUCCEEDED = "payment_succeeded"
PAYMENT_FAILED = "payment_failed"
PAYMENT_REFUNDED = "payment_refunded"


class PaymentEventData(BaseModel):
    payment_id: str
    order_id: int
    user_id: str
    amount: Money


def payment_event(event_type: str, payment: Any) -> Event:
    """An event about a `payments` row (anything with its columns as attributes)."""
    data = PaymentEventData(
        payment_id=payment.id,
        order_id=payment.order_id,
        user_id=payment.user_id,
        amount=from_cents(payment.amount_cents),
    )
    return Event(TOPIC, payment.id, event_type, data.model_dump(mode="json"))
