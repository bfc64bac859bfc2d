from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ecart.platform.settings import ServiceSettings


class CartSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECART_CART_", extra="ignore")
    service_name: ClassVar[str] = "cart"

    max_lines: int = Field(50, ge=1, le=1000, description="most different products in one cart")
    max_quantity: int = Field(
        100, ge=1, le=1_000_000, description="most units of one product in one cart line"
    )
