from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ecart.platform.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ECART_NOTIFICATIONS_", extra="ignore", populate_by_name=True
    )
    service_name: ClassVar[str] = "notifications"

    client_secret: SecretStr = Field(
        SecretStr(""), description="unused: notifications calls no other service"
    )
    smtp_url: SecretStr = Field(
        SecretStr(""),
        description="SMTP server: `smtp://user:pass@host:25`, `smtp+starttls://…:587` or "
        "`smtps://…:465` (empty: `.eml` files in `<data dir>/notifications/`)",
    )
    sender: str = Field(
        "ecart <no-reply@ecart.local>",
        validation_alias="ECART_NOTIFICATIONS_FROM",
        description="the From address of every e-mail",
    )
    smtp_timeout_seconds: float = Field(
        10.0, gt=0, le=300, description="timeout of one SMTP conversation"
    )
    retry_base_seconds: float = Field(
        1.0, gt=0, description="first back-off after a failed send (doubles each attempt)"
    )
    retry_max_seconds: float = Field(
        300.0, gt=0, description="longest back-off between two send attempts"
    )
    poll_seconds: float = Field(
        1.0, gt=0, le=60, description="how often the sender looks for due e-mails when idle"
    )

    def resolved_client_secret(self) -> str:
        """Notifications only consumes events and answers admins: it never asks the users
        service for a client-credentials token, so it has no client (and needs no secret)."""
        return self.client_secret.get_secret_value()
