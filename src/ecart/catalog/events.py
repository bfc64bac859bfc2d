"""The events catalog publishes and the ones it consumes (our own copy of their schema)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

TOPIC = "catalog-events"
PRODUCT_CREATED = "product_created"
PRODUCT_UPDATED = "product_updated"
PRODUCT_DELETED = "product_deleted"

INVENTORY_TOPIC = "inventory-events"
STOCK_CHANGED = "stock_changed"
CONSUMER_GROUP = "catalog"


class StockChanged(BaseModel):
    """Our copy of inventory's `stock_changed` payload (also its `PUT /stock` answer)."""

    model_config = ConfigDict(extra="ignore")

    product_id: int
    available: int
    reserved: int
    version: int
