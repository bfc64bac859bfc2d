from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ecart.platform.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECART_ORDER_", extra="ignore")
    service_name: ClassVar[str] = "order"

    reservation_ttl_seconds: int = Field(
        0, ge=0, le=86400, description="stock hold of an unpaid order (0: inventory's default)"
    )
