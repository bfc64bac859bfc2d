"""What a process shares between the services it runs: the event bus and, in tests, an
in-process HTTP transport that routes each service's URL to its ASGI app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka.helpers import create_ssl_context  # type: ignore[import-untyped]
from opentelemetry.sdk.trace.export import SpanExporter

from ecart.platform.bus import EventBus, InMemoryBus
from ecart.platform.kafka_bus import KafkaBus
from ecart.platform.settings import PlatformSettings


@dataclass
class Runtime:
    bus: EventBus = field(default_factory=InMemoryBus)
    transport: httpx.AsyncBaseTransport | None = None
    span_exporter: SpanExporter | None = None  # tests: every service traces into it

    def client_transport(self) -> httpx.AsyncBaseTransport | None:
        """A transport of the caller's own over the shared in-process one (None: real
        sockets), so that instrumenting one service's client leaves the others alone."""
        return _Forward(self.transport) if self.transport is not None else None


class _Forward(httpx.AsyncBaseTransport):
    def __init__(self, target: httpx.AsyncBaseTransport) -> None:
        self.target = target

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.target.handle_async_request(request)


def kafka_security(settings: PlatformSettings) -> dict[str, Any]:
    """aiokafka client options for `ECART_KAFKA_SECURITY_PROTOCOL` and its SASL/TLS settings."""
    protocol = settings.kafka_security_protocol
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        options.update(
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=settings.kafka_sasl_password.get_secret_value(),
        )
    if protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(cafile=settings.kafka_ssl_cafile or None)
    return options


def create_bus(settings: PlatformSettings) -> EventBus:
    """The bus `ECART_BUS` names: the embedded `InMemoryBus` or Kafka."""
    if settings.bus == "kafka":
        return KafkaBus(
            settings.kafka_bootstrap_servers,
            partitions=settings.kafka_topic_partitions,
            replication_factor=settings.kafka_replication_factor,
            namespace=settings.namespace,
            connect_timeout=settings.kafka_connect_timeout_seconds,
            security=kafka_security(settings),
        )
    return InMemoryBus()
