from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from ecart.platform.ratelimit import rate_limit
from ecart.platform.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECART_ORDER_", extra="ignore")
    service_name: ClassVar[str] = "order"

    reservation_ttl_seconds: int = Field(
        0, ge=0, le=86400, description="stock hold of an unpaid order (0: inventory's default)"
    )
    reconcile_interval_seconds: float = Field(
        5.0, gt=0, description="how often charges with an unknown outcome are reconciled"
    )
    reconcile_grace_seconds: float = Field(
        30.0, ge=0, description="how long a charge may be in flight before it is reconciled"
    )
    idempotency_ttl_seconds: int = Field(
        86400, ge=60, description="how long Idempotency-Key responses are kept"
    )
    checkout_rate_limit: str = Field(
        "10/minute", description="orders one account may place (then 429)"
    )
    payment_rate_limit: str = Field(
        "10/minute", description="payment attempts one account may make (then 429)"
    )

    @field_validator("checkout_rate_limit", "payment_rate_limit")
    @classmethod
    def _valid_limit(cls, value: str) -> str:
        rate_limit(value)
        return value
