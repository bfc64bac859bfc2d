"""Events the order service publishes (`order-events`) and the ones it consumes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

TOPIC = "order-events"
INVENTORY_TOPIC = "inventory-events"
CONSUMER_GROUP = "order"


class ReservationExpired(BaseModel):
    """Our copy of inventory's `reservation_expired` payload."""

    model_config = ConfigDict(extra="ignore")

    reservation_id: str
