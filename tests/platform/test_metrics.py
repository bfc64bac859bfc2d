"""`/metrics` on every service: a checkout moves the RED, event and business series; every
metric of `CATALOG` is exposed by some service; the gateway does not proxy it; a database
that refuses connections is a 503 that is counted."""

from __future__ import annotations

from collections import defaultdict

import asyncpg  # type: ignore[import-untyped]
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from ecart.platform.metrics import CATALOG
from ecart.registry import SERVICES
from tests.conftest import Shop, backend, eventually

Samples = dict[str, list[tuple[dict[str, str], float]]]
SUCCESS = {"payment_method": "pm_card_success"}
DECLINED = {"payment_method": "pm_card_declined"}


async def scrape(shop: Shop, service: str) -> Samples:
    response = await shop.call(service, "GET", "/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = defaultdict(list)
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[sample.name].append((sample.labels, sample.value))
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels` (0 when there are none)."""
    return sum(v for found, v in samples.get(name, []) if labels.items() <= found.items())


async def test_a_checkout_moves_the_counters(shop: Shop) -> None:
    before = {name: await scrape(shop, name) for name in ("cart", "order", "inventory")}
    user_id, token = await shop.new_customer()
    late_id, late_token = await shop.new_customer()
    product = await shop.new_product(price=12.5, stock=3)
    await shop.add_to_cart(user_id, token, product["id"], 2)
    await shop.add_to_cart(late_id, late_token, product["id"], 2)
    created = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    declined = await shop.call("order", "POST", f"/orders/{order_id}/payment", token, json=DECLINED)
    assert declined.status_code == 400, declined.text  # seed 002: "Payment failed"
    paid = await shop.call("order", "POST", f"/orders/{order_id}/payment", token, json=SUCCESS)
    assert paid.status_code == 200, paid.text
    late = {"user_id": late_id}  # 2 in the cart, 1 left in stock
    refused = await shop.call("order", "POST", "/orders", late_token, json=late)
    assert refused.status_code == 409, refused.text

    cart, order = await scrape(shop, "cart"), await scrape(shop, "order")
    inventory, payment = await scrape(shop, "inventory"), await scrape(shop, "payment")

    def moved(owner: str, samples: Samples, name: str, **labels: str) -> float:
        return value(samples, name, **labels) - value(before.get(owner, {}), name, **labels)

    assert moved("cart", cart, "ecart_cart_adds_total", service="cart") == 2
    assert moved("order", order, "ecart_orders_created_total", service="order") == 1
    assert moved("order", order, "ecart_orders_paid_total") == 1
    assert moved("order", order, "ecart_revenue_minor_units_total", currency="USD") == 2500
    assert value(payment, "ecart_payment_declines_total", reason="declined_card") >= 1
    assert moved("inventory", inventory, "ecart_reservation_failures_total") == 1
    route = {"method": "POST", "route": "/orders/{order_id}/payment"}
    assert moved("order", order, "ecart_http_requests_total", **route, status="400") == 1
    assert moved("order", order, "ecart_http_requests_total", **route, status="200") == 1
    assert moved("order", order, "ecart_http_request_duration_seconds_count", **route) == 2
    assert not [
        labels
        for labels, _ in order["ecart_http_requests_total"]
        if str(order_id) in labels["route"]
    ], "routes are templates, never raw paths"
    assert value(order, "ecart_db_pool_capacity", database="primary") > 0

    async def events_flowed() -> bool:
        inventory = await scrape(shop, "inventory")
        catalog = await scrape(shop, "catalog")
        return (
            value(inventory, "ecart_events_published_total", topic="inventory-events") > 0
            and value(catalog, "ecart_events_consumed_total", outcome="processed") > 0
            and value(catalog, "ecart_consumer_lag", topic="inventory-events") == 0
            and value(inventory, "ecart_outbox_pending") == 0
        )

    await eventually(events_flowed, within=10)


async def test_every_catalog_metric_is_exposed_by_some_service(shop: Shop) -> None:
    exposed: set[str] = set()
    for name in SERVICES:
        if name not in shop.platform.apps:
            continue
        response = await shop.call(name, "GET", "/metrics")
        exposed |= {family.name for family in text_string_to_metric_families(response.text)}
    # Families are named without `_total`; the cache family exists only with a Redis cache.
    wanted = {info.name.removesuffix("_total") for info in CATALOG}
    if not shop.platform.apps["catalog"].state.ctx.cache.enabled:
        wanted.discard("ecart_cache_requests")
    assert wanted <= exposed, sorted(wanted - exposed)


async def test_the_gateway_does_not_proxy_metrics(shop: Shop) -> None:
    response = await shop.call("gateway", "GET", "/api/catalog/metrics")
    assert response.status_code == 404
    own = await shop.call("gateway", "GET", "/metrics")
    assert own.status_code == 200
    assert "ecart_http_requests_total" in own.text


@pytest.mark.postgres_only
async def test_a_database_that_refuses_connections_is_a_counted_503(fresh_shop: Shop) -> None:
    ctx = fresh_shop.platform.apps["catalog"].state.ctx
    database = make_url(ctx.settings.database_url).database
    admin = await asyncpg.connect(backend().postgres_url)
    try:
        await admin.execute(f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", database
        )
        response = await fresh_shop.call("catalog", "GET", "/products")
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "1"
        assert response.json() == {"detail": "The database is unavailable; try again shortly"}
        assert value(await scrape(fresh_shop, "catalog"), "ecart_db_errors_total") >= 1
    finally:
        await admin.execute(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
        await admin.close()
    await ctx.db.engine.dispose()  # what a pool does by itself as connections fail pre-ping
    assert (await fresh_shop.call("catalog", "GET", "/products")).status_code == 200
