"""Settings: every value comes from the environment and has a documented default.

`PlatformSettings` (prefix `ECART_`) holds what every service shares; each service subclasses
`ServiceSettings` with its own prefix (`ECART_CATALOG_`, ...) for what is its own.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAMES = ("users", "catalog", "inventory", "cart", "order", "payment")
SERVICE_PORTS = {
    "gateway": 8000,
    "catalog": 8001,
    "cart": 8002,
    "order": 8003,
    "payment": 8004,
    "users": 8005,
    "inventory": 8006,
    "notifications": 8007,
}
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "password", "placeholder"}


class PlatformSettings(BaseSettings):
    """What every service shares. Env prefix `ECART_`."""

    model_config = SettingsConfigDict(env_prefix="ECART_", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses placeholder or generated secrets"
    )
    data_dir: Path = Field(Path(".ecart"), description="where the embedded default keeps state")
    host: str = Field("127.0.0.1", description="address the services listen on")
    log_level: str = Field("INFO", description="log level of every service")
    log_format: Literal["json", "console"] = Field("json", description="structured log output")
    migrate_on_start: bool = Field(True, description="apply migrations when a service starts")
    seed_demo_data: bool = Field(True, description="seed the demo catalog on first start")
    http_timeout_seconds: float = Field(5.0, description="timeout of service-to-service calls")
    http_retries: int = Field(3, ge=1, le=10, description="attempts for idempotent calls")
    breaker_failure_threshold: int = Field(5, ge=1, description="failures that open a breaker")
    breaker_reset_seconds: float = Field(10.0, gt=0, description="open breaker cool-down")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest accepted request body")
    token_audience: str = Field("ecart", description="the one audience every service accepts")
    token_issuer: str = Field("ecart-users", description="issuer of every token")
    jwks_cache_seconds: float = Field(
        300.0, gt=0, description="how long a service trusts its copy of the JWKS"
    )
    users_url: str = Field(
        "http://127.0.0.1:8005",
        description="users service base URL(s) (JWKS, tokens). Every service URL may list "
        "several instances, comma-separated: calls go round-robin to the ready ones",
    )
    catalog_url: str = Field("http://127.0.0.1:8001", description="catalog service base URL(s)")
    cart_url: str = Field("http://127.0.0.1:8002", description="cart service base URL(s)")
    order_url: str = Field("http://127.0.0.1:8003", description="order service base URL(s)")
    payment_url: str = Field("http://127.0.0.1:8004", description="payment service base URL(s)")
    inventory_url: str = Field("http://127.0.0.1:8006", description="inventory service base URL(s)")
    notifications_url: str = Field(
        "http://127.0.0.1:8007", description="notifications service base URL(s)"
    )
    gateway_url: str = Field(
        "http://127.0.0.1:8000", description="the gateway (web UI and `/api/<service>/…`)"
    )
    instance_check_seconds: float = Field(
        0.5,
        gt=0,
        le=60,
        description="how often each instance's /ready is checked (services whose URL "
        "lists several)",
    )
    shutdown_delay_seconds: float = Field(
        2.0,
        ge=0,
        le=300,
        description="on SIGTERM: how long /ready answers 503 while requests are still served, "
        "before the listeners close (Ctrl-C and a second signal skip it)",
    )
    outbox_poll_seconds: float = Field(0.2, gt=0, description="outbox relay poll interval")
    bus: Literal["memory", "kafka"] = Field(
        "memory", description="event bus: in-process (embedded default) or Kafka"
    )
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka brokers (host:port, comma-separated)"
    )
    kafka_topic_partitions: int = Field(3, ge=1, description="partitions of topics ecart creates")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="how clients talk to the brokers (MSK with SCRAM: SASL_SSL)"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "SCRAM-SHA-512", description="SASL mechanism (with SASL_PLAINTEXT or SASL_SSL)"
    )
    kafka_sasl_username: str = Field("", description="SASL user name")
    kafka_sasl_password: SecretStr = Field(SecretStr(""), description="SASL password")
    kafka_ssl_cafile: str = Field(
        "", description="CA bundle for the brokers' TLS certificates (empty: the system's)"
    )
    kafka_connect_timeout_seconds: float = Field(
        30.0, ge=0, description="how long start-up waits for an unreachable Kafka"
    )
    kafka_replication_factor: int = Field(
        1, ge=1, description="replication factor of topics ecart creates"
    )
    namespace: str = Field(
        "",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$|^$",
        description="prefix of Kafka topics and consumer groups and of Redis keys (shared servers)",
    )
    redis_url: str = Field("", description="Redis for the catalog cache (empty: no cache)")
    cache_ttl_seconds: float = Field(
        60.0, gt=0, description="longest life of a cached catalog answer"
    )
    response_cache_entries: int = Field(
        4096,
        ge=0,
        le=1_000_000,
        description="public catalog answers replayed from memory per process (0: off)",
    )
    response_cache_check_seconds: float = Field(
        0.1,
        gt=0,
        le=60,
        description="how often a process reads the shared cache version (with Redis): "
        "another replica's catalog change shows here within this time",
    )
    otel_endpoint: str = Field(
        "", description="OTLP/HTTP endpoint of the OpenTelemetry collector (empty: no tracing)"
    )
    otel_sample_ratio: float = Field(
        1.0, ge=0, le=1, description="share of new traces recorded (children follow their parent)"
    )
    trusted_proxies: str = Field(
        "", description="comma-separated IPs/CIDRs whose X-Forwarded-For is believed"
    )
    rate_limit_storage: str = Field(
        "memory://", description="where abuse-limit counters live (memory:// or redis://…)"
    )

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def namespaced(self, name: str, separator: str = ".") -> str:
        """`name` in this shop's namespace: `<namespace><separator><name>`, or `name`."""
        return f"{self.namespace}{separator}{name}" if self.namespace else name

    def url_of(self, service: str) -> str:
        """The service's base URL: the first, when `ECART_<SERVICE>_URL` lists several."""
        return self.urls_of(service)[0]

    def urls_of(self, service: str) -> tuple[str, ...]:
        """Every instance's base URL (`ECART_<SERVICE>_URL`, comma-separated)."""
        value = str(getattr(self, f"{service}_url"))
        urls = tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())
        return urls or (value.rstrip("/"),)


class ServiceSettings(PlatformSettings):
    """Base of each service's settings; subclasses set `service_name` and an env prefix."""

    service_name: ClassVar[str] = ""

    port: int = Field(0, ge=0, le=65535, description="listening port (0: the service default)")
    database_url: str = Field("", description="SQLAlchemy async URL (default: SQLite in data dir)")
    database_read_url: str = Field(
        "", description="read replica for read-only queries (empty: the primary)"
    )
    db_pool_size: int = Field(10, ge=1, le=500, description="connections kept per database")
    db_max_overflow: int = Field(10, ge=0, le=500, description="extra connections under load")
    client_secret: SecretStr = Field(
        SecretStr(""), description="secret of this service's client-credentials client"
    )

    @model_validator(mode="after")
    def _fill_defaults(self) -> ServiceSettings:
        platform = PlatformSettings()
        # Shared values always come from the `ECART_` prefix, not the service prefix.
        for name in PlatformSettings.model_fields:
            if name not in self.model_fields_set:
                setattr(self, name, getattr(platform, name))
        if not self.port:
            self.port = SERVICE_PORTS[self.service_name]
        if not self.database_url:
            path = (self.data_dir / f"{self.service_name}.db").resolve()
            self.database_url = f"sqlite+aiosqlite:///{path}"
        return self

    def resolved_client_secret(self) -> str:
        """The configured secret, or in development the one generated into the data dir."""
        explicit = self.client_secret.get_secret_value()
        if not explicit:
            return service_client_secret(self.service_name, self)
        if self.production and explicit.lower() in PLACEHOLDER_SECRETS:
            raise ValueError(f"the {self.service_name} client secret is a placeholder")
        return explicit


def service_client_secret(service: str, settings: PlatformSettings) -> str:
    """The client secret of `service`: `ECART_<SERVICE>_CLIENT_SECRET`, or in development a
    random secret generated once into the data dir (never in production)."""
    from_env = os.environ.get(f"ECART_{service.upper()}_CLIENT_SECRET", "")
    if from_env:
        if settings.production and from_env.lower() in PLACEHOLDER_SECRETS:
            raise ValueError(f"ECART_{service.upper()}_CLIENT_SECRET is a placeholder")
        return from_env
    if settings.production:
        raise ValueError(f"ECART_{service.upper()}_CLIENT_SECRET must be set in production")
    return _dev_secrets(settings.data_dir)[service]


def _dev_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / "secrets" / "service-clients.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        if all(name in stored for name in SERVICE_NAMES):
            return stored
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    generated = {name: secrets.token_urlsafe(32) for name in SERVICE_NAMES}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(generated, handle)
    os.replace(tmp, path)
    return generated
