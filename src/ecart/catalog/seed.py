"""The demo catalog `ecart up` starts with (created through the normal use case, so inventory
gets each product's stock)."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import structlog

from ecart.catalog import service
from ecart.catalog.domain import NewProduct
from ecart.platform.http.app import ServiceContext
from ecart.platform.http.errors import ServiceUnavailable

log = structlog.get_logger("ecart.catalog.seed")


def _p(name: str, price: str, description: str, category: str, stock: int) -> NewProduct:
    return NewProduct(
        name=name, price=Decimal(price), description=description, category=category, stock=stock
    )


DEMO_PRODUCTS: tuple[NewProduct, ...] = (
    _p("Laptop", "999.99", "High-performance laptop", "Electronics", 10),
    _p("Mouse", "29.99", "Wireless optical mouse", "Electronics", 50),
    _p("Keyboard", "79.99", "Mechanical keyboard with backlight", "Electronics", 30),
    _p("Monitor", "399.99", "27-inch 4K IPS monitor", "Electronics", 15),
    _p("Noise-Cancelling Headphones", "249.00", "Over-ear, 30-hour battery", "Electronics", 25),
    _p("Espresso Machine", "349.50", "15-bar pump, steam wand for milk", "Home & Kitchen", 8),
    _p("Chef's Knife", "89.90", "20 cm forged stainless steel blade", "Home & Kitchen", 40),
    _p("Cast Iron Skillet", "44.95", "Pre-seasoned 26 cm skillet", "Home & Kitchen", 35),
    _p("French Press", "32.00", "1 litre borosilicate glass", "Home & Kitchen", 60),
    _p("Running Shoes", "129.99", "Lightweight cushioned road shoes", "Sports & Outdoors", 45),
    _p("Yoga Mat", "39.99", "6 mm non-slip mat with carry strap", "Sports & Outdoors", 70),
    _p(
        "Insulated Water Bottle",
        "24.50",
        "750 ml, keeps drinks cold 24 h",
        "Sports & Outdoors",
        120,
    ),
    _p("Camping Tent", "219.00", "Two-person, three-season tent", "Sports & Outdoors", 12),
    _p("The Pragmatic Programmer", "49.95", "20th anniversary edition", "Books", 25),
    _p("Designing Data-Intensive Applications", "59.99", "Martin Kleppmann", "Books", 20),
    _p("Clean Architecture", "37.50", "A craftsman's guide to software structure", "Books", 18),
)


def _lock(ctx: ServiceContext) -> asyncio.Lock:
    # One seeding at a time per service (the startup task and `ecart seed` may overlap).
    lock: asyncio.Lock = ctx.state.setdefault("demo_seed_lock", asyncio.Lock())
    return lock


async def seed_demo_catalog(ctx: ServiceContext) -> int:
    """Create the demo products when the catalog is empty; returns how many were created."""
    async with _lock(ctx):
        if await service.count_products(ctx) > 0:
            return 0
        return await _create_missing(ctx)


async def _create_missing(ctx: ServiceContext) -> int:
    existing = await service.product_names(ctx)
    created = 0
    for product in DEMO_PRODUCTS:
        if product.name not in existing:
            await service.create_product(ctx, product)
            created += 1
    return created


async def seed_when_ready(ctx: ServiceContext, timeout_seconds: float = 60.0) -> int:
    """Seed, retrying while inventory or users are still starting (ServiceUnavailable)."""
    deadline = time.monotonic() + timeout_seconds
    started = False  # once a try got past the empty check, later tries resume it
    while True:
        try:
            async with _lock(ctx):
                if not started:
                    started = await service.count_products(ctx) == 0
                created = await _create_missing(ctx) if started else 0
        except ServiceUnavailable as exc:
            if time.monotonic() >= deadline:
                log.error("demo_seed_gave_up", error=exc.detail)
                return 0
            await asyncio.sleep(1.0)
            continue
        except Exception as exc:  # a broken seed must not take the service down
            log.exception("demo_seed_failed", error=repr(exc))
            return 0
        if created:
            log.info("demo_catalog_seeded", products=created)
        return created
