from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ecart.platform.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECART_PAYMENT_", extra="ignore")
    service_name: ClassVar[str] = "payment"

    success_rate: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="chance (0..1) that the simulated provider approves a charge made "
        "without a test payment method",
    )
