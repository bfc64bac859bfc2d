from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ecart.platform.settings import ServiceSettings


class UsersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECART_USERS_", extra="ignore")
    service_name: ClassVar[str] = "users"

    access_token_ttl_seconds: int = Field(3600, ge=60, le=86400, description="user token life")
    service_token_ttl_seconds: int = Field(900, ge=60, le=86400, description="service token life")
    signing_key: SecretStr = Field(
        SecretStr(""),
        description="Ed25519 private key (PEM) that signs tokens; required in production",
    )
    admin_email: str = Field("", validation_alias="ECART_ADMIN_EMAIL", description="bootstrap")
    admin_password: SecretStr = Field(
        SecretStr(""), validation_alias="ECART_ADMIN_PASSWORD", description="bootstrap admin"
    )
