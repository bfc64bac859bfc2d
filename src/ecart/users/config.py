from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from ecart.platform.ratelimit import rate_limit
from ecart.platform.settings import ServiceSettings


class UsersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ECART_USERS_", extra="ignore")
    service_name: ClassVar[str] = "users"

    access_token_ttl_seconds: int = Field(3600, ge=60, le=86400, description="user token life")
    service_token_ttl_seconds: int = Field(900, ge=60, le=86400, description="service token life")
    login_failure_limit: str = Field(
        "10/15 minutes", description="failed logins allowed per account (then 429)"
    )
    register_rate_limit: str = Field(
        "20/minute", description="registrations allowed per client address (then 429)"
    )
    signing_key: SecretStr = Field(
        SecretStr(""),
        description="Ed25519 private key (PEM) that signs tokens; required in production",
    )
    retired_signing_keys: SecretStr = Field(
        SecretStr(""),
        description="PEM keys (public or private) of earlier signing keys, still accepted "
        "until their tokens expire (key rotation)",
    )
    admin_email: str = Field(
        "",
        validation_alias="ECART_ADMIN_EMAIL",
        description="e-mail of the admin created or promoted at start (with the password)",
    )
    admin_password: SecretStr = Field(
        SecretStr(""),
        validation_alias="ECART_ADMIN_PASSWORD",
        description="password of that admin (same policy as everyone's)",
    )

    @field_validator("login_failure_limit", "register_rate_limit")
    @classmethod
    def _valid_limit(cls, value: str) -> str:
        rate_limit(value)
        return value
