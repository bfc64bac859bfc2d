from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ecart.platform.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECART_CATALOG_", extra="ignore")
    service_name: ClassVar[str] = "catalog"

    seed_timeout_seconds: float = Field(
        60.0, gt=0, description="how long the demo seed waits for inventory and users to answer"
    )
