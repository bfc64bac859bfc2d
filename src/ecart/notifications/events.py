"""The events notifications consumes (its own copies of their payloads); it publishes none."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ecart.notifications.domain import Item, OrderFacts

ORDER_TOPIC = "order-events"
PAYMENT_TOPIC = "payment-events"
USER_TOPIC = "user-events"
CONSUMER_GROUP = "notifications"

USER_REGISTERED = "user_registered"
PAYMENT_REFUNDED = "payment_refunded"


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore")


class OrderLine(_Data):
    product_name: str
    quantity: int = Field(ge=1)
    price: Decimal = Field(allow_inf_nan=False)


class OrderEventData(_Data):
    """Our copy of order's `Order.event_data()` (plus `reason` on status changes)."""

    order_id: int
    user_id: str = Field(min_length=1, max_length=64)
    status: str
    total_amount: Decimal = Field(allow_inf_nan=False)
    items: list[OrderLine]
    payment_id: str | None = None
    reason: str | None = None

    def facts(self) -> OrderFacts:
        return OrderFacts(
            order_id=self.order_id,
            status=self.status,
            total=self.total_amount,
            items=tuple(Item(i.product_name, i.quantity, i.price) for i in self.items),
            payment_id=self.payment_id,
            reason=self.reason,
        )


class UserRegistered(_Data):
    """Our copy of users' `user_registered` payload."""

    user_id: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field("", max_length=200)


class PaymentRefunded(_Data):
    """Our copy of payment's `payment_refunded` payload."""

    payment_id: str = Field(min_length=1, max_length=64)
    order_id: int
    user_id: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(allow_inf_nan=False)
