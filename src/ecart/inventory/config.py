from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ecart.platform.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECART_INVENTORY_", extra="ignore")
    service_name: ClassVar[str] = "inventory"

    reservation_ttl_seconds: int = Field(
        900, ge=1, description="how long an active reservation holds stock before it expires"
    )
    sweep_interval_seconds: float = Field(
        1.0, gt=0, description="how often the sweeper expires overdue reservations"
    )
