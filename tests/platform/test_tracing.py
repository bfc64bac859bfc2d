"""One checkout is one trace: the client's checkout span → order → cart, inventory and
payment over HTTP → every consumer of the events (catalog, notifications) through the
outbox and the bus, with SQL spans inside; all recorded by an in-memory exporter. Tracing is
off (no-op) without `ECART_OTEL_ENDPOINT`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ecart.platform.logs import _add_trace_ids
from ecart.platform.settings import PlatformSettings
from ecart.platform.tracing import Tracing
from tests.conftest import Shop, _start_shop, eventually

SUCCESS = {"payment_method": "pm_card_success"}


@pytest.fixture
async def traced(tmp_path: Path) -> AsyncIterator[tuple[Shop, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    async for shop in _start_shop(tmp_path / "shop", span_exporter=exporter):
        yield shop, exporter


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"]).removeprefix("ecart-")


async def test_one_checkout_is_one_trace_across_every_service(
    traced: tuple[Shop, InMemorySpanExporter],
) -> None:
    shop, exporter = traced
    user_id, token = await shop.new_customer()
    product = await shop.new_product(price=7.5, stock=5)
    await shop.add_to_cart(user_id, token, product["id"], 2)
    client = TracerProvider()
    client.add_span_processor(SimpleSpanProcessor(exporter))
    with client.get_tracer("test").start_as_current_span("checkout") as checkout:
        headers: dict[str, str] = {}
        propagate.inject(headers)
        created = await shop.call(
            "order", "POST", "/orders", token, json={"user_id": user_id}, headers=headers
        )
        assert created.status_code == 201, created.text
        order_id = created.json()["id"]
        paid = await shop.call(
            "order", "POST", f"/orders/{order_id}/payment", token, json=SUCCESS, headers=headers
        )
        assert paid.status_code == 200, paid.text
    trace_id = checkout.get_span_context().trace_id

    def spans() -> list[ReadableSpan]:
        return [
            s
            for s in exporter.get_finished_spans()
            if s.context is not None and s.context.trace_id == trace_id
        ]

    def consumed(service: str, topic: str) -> bool:
        return any(service_of(s) == service and s.name == f"consume {topic}" for s in spans())

    async def events_reached_their_consumers() -> bool:
        return (
            consumed("notifications", "order-events")
            and consumed("notifications", "payment-events")
            and consumed("catalog", "inventory-events")
        )

    await eventually(events_reached_their_consumers, within=10)
    found = spans()
    servers = {service_of(s) for s in found if s.kind is SpanKind.SERVER}
    assert {"order", "cart", "inventory", "payment"} <= servers
    assert any(s.kind is SpanKind.CLIENT and service_of(s) == "order" for s in found)
    assert any(
        "db.system" in (s.attributes or {}) or "db.system.name" in (s.attributes or {})
        for s in found
        if service_of(s) == "order"
    ), "SQL spans inside the request"
    consumer = next(s for s in found if s.name == "consume order-events")
    assert consumer.kind is SpanKind.CONSUMER and consumer.parent is not None
    producers = {s.context.span_id: s for s in found if s.kind is SpanKind.PRODUCER}
    producer = producers[consumer.parent.span_id]  # the relay's publish span is its parent
    assert producer.name == "publish order-events" and service_of(producer) == "order"


def test_tracing_is_off_without_an_endpoint() -> None:
    tracing = Tracing("order", PlatformSettings())
    assert not tracing.enabled
    assert isinstance(tracing.tracer, trace.NoOpTracer)


def test_log_lines_carry_the_trace_and_span_ids() -> None:
    provider = TracerProvider()
    with provider.get_tracer("test").start_as_current_span("work") as span:
        event = _add_trace_ids(None, "info", {"event": "x"})
    context = span.get_span_context()
    assert event["trace_id"] == format(context.trace_id, "032x")
    assert event["span_id"] == format(context.span_id, "016x")
    assert "trace_id" not in _add_trace_ids(None, "info", {"event": "outside"})
