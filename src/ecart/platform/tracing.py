"""OpenTelemetry tracing, one tracer provider per service.

Off by default (`ECART_OTEL_ENDPOINT` empty): nothing is instrumented and nothing is
exported. With an endpoint, each service exports its spans over OTLP/HTTP as
`service.name=ecart-<service>`: FastAPI (server spans), httpx (client spans, which inject
`traceparent`), SQLAlchemy, Redis, and the event bus. A provider per service (not the global
one) keeps the eight services of one `ecart up` process apart.

Across the bus, the context travels with the event: the unit of work stores the W3C
`traceparent` of the request that wrote the event in its outbox row, the relay sends it as a
message header, and the consumer continues the trace from it (`consume <topic>` spans). So
one checkout is one trace: order → inventory, cart, payment over HTTP, then every consumer
of its events, notifications included.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine

from ecart.platform.settings import PlatformSettings

# The probes and the scrape would be most of the spans and tell nothing.
EXCLUDED_URLS = "/health,/ready,/metrics"


class Tracing:
    def __init__(
        self, service: str, settings: PlatformSettings, exporter: SpanExporter | None = None
    ) -> None:
        """`exporter` (tests) replaces the OTLP exporter and turns tracing on."""
        self.service = service
        self.provider: TracerProvider | None = None
        if exporter is None and not settings.otel_endpoint:
            self.tracer: trace.Tracer = trace.NoOpTracer()
            return
        provider = TracerProvider(
            resource=Resource.create(
                {"service.name": f"ecart-{service}", "service.namespace": "ecart"}
            ),
            sampler=ParentBased(TraceIdRatioBased(settings.otel_sample_ratio)),
        )
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        else:
            endpoint = settings.otel_endpoint.rstrip("/") + "/v1/traces"
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        self.provider = provider
        self.tracer = provider.get_tracer("ecart")

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def instrument_app(self, app: FastAPI) -> None:
        if self.provider is not None:
            FastAPIInstrumentor.instrument_app(
                app,
                tracer_provider=self.provider,
                excluded_urls=EXCLUDED_URLS,
                exclude_spans=["receive", "send"],  # a span per ASGI message tells nothing
            )

    def instrument_http(self, client: httpx.AsyncClient) -> None:
        if self.provider is not None:
            HTTPXClientInstrumentor.instrument_client(client, tracer_provider=self.provider)

    def instrument_engine(self, engine: AsyncEngine) -> None:
        if self.provider is not None:
            usage = NoOpMeterProvider().get_meter("ecart").create_up_down_counter("unused")
            EngineTracer(self.tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]

    def instrument_redis(self, client: Any) -> None:
        if self.provider is not None and client is not None:
            RedisInstrumentor.instrument_client(client, tracer_provider=self.provider)

    @contextmanager
    def publishing(self, topic: str, stored: Mapping[str, str]) -> Iterator[dict[str, str]]:
        """A `publish <topic>` span under the context stored with the event; yields the
        trace headers to send (the producer span's, or the stored ones when tracing is off)."""
        parent = propagate.extract(dict(stored))
        with self.tracer.start_as_current_span(
            f"publish {topic}",
            context=parent,
            kind=SpanKind.PRODUCER,
            attributes={"messaging.destination.name": topic, "messaging.operation": "publish"},
        ):
            yield current_trace_context() or dict(stored)

    @contextmanager
    def consuming(self, topic: str, headers: Mapping[str, str]) -> Iterator[None]:
        """A `consume <topic>` span continuing the trace the message's headers carry."""
        parent = propagate.extract(dict(headers))
        with self.tracer.start_as_current_span(
            f"consume {topic}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={"messaging.destination.name": topic, "messaging.operation": "process"},
        ):
            yield

    def shutdown(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()


def current_trace_context() -> dict[str, str]:
    """The W3C headers (`traceparent`, maybe `tracestate`) of the current span, or {}."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=otel_context.get_current())
    return carrier
