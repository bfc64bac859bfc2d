"""The events inventory publishes and the ones it consumes (our own copy of their schema)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

TOPIC = "inventory-events"
STOCK_CHANGED = "stock_changed"
RESERVATION_EXPIRED = "reservation_expired"

CATALOG_TOPIC = "catalog-events"
PRODUCT_DELETED = "product_deleted"
CONSUMER_GROUP = "inventory"


class ProductDeleted(BaseModel):
    """Our copy of catalog's `product_deleted` payload."""

    model_config = ConfigDict(extra="ignore")

    product_id: int
