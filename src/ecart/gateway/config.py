from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from ecart.platform.settings import SERVICE_PORTS, PlatformSettings

# src/ecart/gateway/config.py → the repository root (a source checkout).
_REPO_WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"


def default_web_dir() -> Path | None:
    """The repository's built web UI (`web/dist`), when it has been built."""
    return _REPO_WEB_DIST if _REPO_WEB_DIST.is_dir() else None


class GatewaySettings(PlatformSettings):
    """The local edge. Env prefix `ECART_GATEWAY_`; shared values come from `ECART_`."""

    model_config = SettingsConfigDict(env_prefix="ECART_GATEWAY_", extra="ignore")
    service_name: ClassVar[str] = "gateway"

    port: int = Field(SERVICE_PORTS["gateway"], ge=0, le=65535, description="listening port")
    cors_origins: str = Field(
        "",
        description="comma-separated origins allowed to call it from a browser "
        "(empty: no CORS headers at all; never `*`)",
    )
    web_dir: Path | None = Field(
        None,
        description="directory of the built web UI served at `/` (default: `web/dist` when "
        "built; without one, `/` is a page listing the services)",
    )
    hsts: bool = Field(
        False, description="send Strict-Transport-Security (only when served over TLS)"
    )
    proxy_timeout_seconds: float = Field(
        30.0, gt=0, description="how long a proxied request may wait for its service"
    )

    @field_validator("web_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard(cls, value: str) -> str:
        for origin in _split(value):
            if "*" in origin or not origin.startswith(("http://", "https://")):
                raise ValueError(f"not an origin (scheme://host[:port], no `*`): {origin!r}")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> GatewaySettings:
        platform = PlatformSettings()
        # Shared values always come from the `ECART_` prefix, not the gateway's.
        for name in PlatformSettings.model_fields:
            if name not in self.model_fields_set:
                setattr(self, name, getattr(platform, name))
        if "web_dir" not in self.model_fields_set:
            self.web_dir = default_web_dir()
        elif self.web_dir is not None and not self.web_dir.is_dir():
            raise ValueError(f"web_dir is not a directory: {self.web_dir}")
        if not self.port:
            self.port = SERVICE_PORTS["gateway"]
        return self

    @property
    def allowed_origins(self) -> frozenset[str]:
        return frozenset(origin.rstrip("/") for origin in _split(self.cors_origins))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
