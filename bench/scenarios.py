"""The scenarios: each turns a running shop into an operation `op(i) -> ok` for
`bench.load` (or, for `flash_sale` and `hop`, runs itself).

- browse: even operations GET a product list of 20 (one of the first five pages), odd ones
  a product page (one of the first 100 products): the warm-cache storefront.
- browse_deep: a list of 20 at a random offset anywhere in the catalog (scale run).
- search: `?q=<word>&limit=20`, a word found in ~1/40 of the names and descriptions.
- search_rare: `?q=<a word no product has>&limit=20` (scale run): reads the whole catalog.
- filter: `?category=…&min_price=10&max_price=50&limit=20`.
- add_to_cart: one of 2000 customers adds one of the first 1000 products.
- checkout: a fresh customer (token minted, no login) adds to cart, orders, pays; the
  operation succeeds when the order comes back `paid`.
- mixed: 75% reads (browse 2/3, search 1/3), 25% writes (add to cart 4/5, checkout 1/5).
- flash_sale: one SKU with stock K; N reservations straight at inventory, then N buyers
  checking it out through cart and order; reports created vs K, final stock, oversold.
- hop: one request at a time, product page direct from catalog vs through the gateway.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.load import Client, Op
from bench.seed import CATEGORIES, NOUNS
from bench.shop import Shop
from bench.stats import Result, percentile

HOT_PRODUCTS = 100
CART_CUSTOMERS = 2000
CHECKOUT_STOCK = 1_000_000


@dataclass
class World:
    """A shop seeded with `catalog_size` products, plus the products checkouts buy."""

    shop: Shop
    client: Client
    catalog_size: int
    checkout_products: list[int] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def url(self, service: str, path: str) -> str:
        return f"{self.shop.urls[service]}{path}"

    async def create_product(self, name: str, stock: int, price: float = 4.5) -> int:
        status, body = await self.client.request(
            "POST",
            self.url("catalog", "/products"),
            json={"name": name, "price": price, "stock": stock, "category": "Bench"},
            headers=self.shop.admin_headers,
        )
        if status != 201:
            raise RuntimeError(f"creating a product: {status} {body}")
        return int(body["id"])

    async def prepare_checkout(self, count: int = 20) -> None:
        for n in range(count):
            self.checkout_products.append(
                await self.create_product(f"Checkout SKU {n}", CHECKOUT_STOCK)
            )


def browse(world: World) -> Op:
    pages = max(1, min(5, world.catalog_size // 20))
    hot = max(1, min(HOT_PRODUCTS, world.catalog_size))

    async def op(i: int) -> bool:
        if i % 2 == 0:
            path = f"/products?skip={20 * ((i // 2) % pages)}&limit=20"
        else:
            path = f"/products/{1 + (i // 2) % hot}"
        status, _ = await world.client.request("GET", world.url("catalog", path))
        return status == 200

    return op


def browse_deep(world: World) -> Op:
    last = max(0, min(world.catalog_size - 20, 1_000_000))

    async def op(i: int) -> bool:
        skip = world.rng.randint(0, last)
        path = f"/products?skip={skip}&limit=20"
        status, _ = await world.client.request("GET", world.url("catalog", path))
        return status == 200

    return op


def search(world: World) -> Op:
    async def op(i: int) -> bool:
        path = f"/products?q={NOUNS[i % len(NOUNS)]}&limit=20"
        status, _ = await world.client.request("GET", world.url("catalog", path))
        return status == 200

    return op


def search_rare(world: World) -> Op:
    """A word no product has: the whole catalog is read to find nothing (the worst case
    of a LIKE search; a common word with LIMIT 20 stops after a few hundred rows)."""

    async def op(i: int) -> bool:
        path = f"/products?q=zeppelin{i % 50}&limit=20"
        status, _ = await world.client.request("GET", world.url("catalog", path))
        return status == 200

    return op


def filter_(world: World) -> Op:
    async def op(i: int) -> bool:
        category = CATEGORIES[i % len(CATEGORIES)].replace(" ", "%20")
        path = f"/products?category={category}&min_price=10&max_price=50&limit=20"
        status, _ = await world.client.request("GET", world.url("catalog", path))
        return status == 200

    return op


def add_to_cart(world: World) -> Op:
    products = max(1, min(1000, world.catalog_size))
    tokens: dict[int, dict[str, str]] = {}

    async def op(i: int) -> bool:
        customer = world.rng.randrange(CART_CUSTOMERS)
        user = f"bench-cart-{world.run_id}-{customer}"
        headers = tokens.get(customer) or tokens.setdefault(customer, world.shop.bearer(user))
        line = {"product_id": world.rng.randint(1, products), "quantity": 1}
        status, _ = await world.client.request(
            "POST", world.url("cart", f"/cart/{user}/items"), json=line, headers=headers
        )
        return status == 200

    return op


def checkout(world: World) -> Op:
    async def op(i: int) -> bool:
        user = f"bench-buyer-{world.run_id}-{i}"
        headers = world.shop.bearer(user)
        line = {"product_id": world.rng.choice(world.checkout_products), "quantity": 1}
        status, _ = await world.client.request(
            "POST", world.url("cart", f"/cart/{user}/items"), json=line, headers=headers
        )
        if status != 200:
            return False
        status, order = await world.client.request(
            "POST", world.url("order", "/orders"), json={"user_id": user}, headers=headers
        )
        if status != 201:
            return False
        status, paid = await world.client.request(
            "POST", world.url("order", f"/orders/{order['id']}/payment"), headers=headers
        )
        return status == 200 and paid.get("status") == "paid"

    return op


def mixed(world: World) -> Op:
    reads: list[Op] = [browse(world), browse(world), search(world)]
    add, buy = add_to_cart(world), checkout(world)

    async def op(i: int) -> bool:
        draw = world.rng.random()
        if draw < 0.75:
            return await reads[i % 3](i)
        return await (buy if draw < 0.80 else add)(i)

    return op


SCENARIOS: dict[str, Callable[[World], Op]] = {
    "browse": browse,
    "browse_deep": browse_deep,
    "search": search,
    "search_rare": search_rare,
    "filter": filter_,
    "add_to_cart": add_to_cart,
    "checkout": checkout,
    "mixed": mixed,
}


async def flash_sale(
    world: World, *, buyers: int, stock: int, concurrency: int
) -> tuple[Result, Result]:
    """The hot SKU, twice: reservations straight at inventory (the conditional UPDATE),
    then whole checkouts (cart → order). Each phase has `buyers` tries for `stock` units."""

    shop, client = world.shop, world.client
    results = []
    for phase in ("reservations", "orders"):
        sku = await world.create_product(f"Hot SKU {phase}", stock)
        if phase == "reservations":

            async def op(i: int, sku: int = sku) -> bool:
                body = {
                    "reservation_id": str(uuid.uuid4()),
                    "lines": [{"product_id": sku, "quantity": 1}],
                }
                status, _ = await client.request(
                    "POST",
                    world.url("inventory", "/reservations"),
                    json=body,
                    headers=shop.service_headers,
                )
                return status == 201

        else:

            async def op(i: int, sku: int = sku) -> bool:
                user = f"bench-flash-{world.run_id}-{i}"
                headers = shop.bearer(user)
                line = {"product_id": sku, "quantity": 1}
                await client.request(
                    "POST", world.url("cart", f"/cart/{user}/items"), json=line, headers=headers
                )
                status, _ = await client.request(
                    "POST", world.url("order", "/orders"), json={"user_id": user}, headers=headers
                )
                return status == 201

        result = await _fixed_count(world, op, buyers, concurrency, f"flash_sale_{phase}")
        _, level = await client.request("GET", world.url("inventory", f"/stock/{sku}"))
        created = len(result.latencies) - result.failed_ops
        result.extra.update(
            stock=stock,
            buyers=buyers,
            created=created,
            refused_409=result.statuses.get(409, 0),
            final_available=level["available"],
            final_reserved=level["reserved"],
            oversold=max(0, created - stock) + max(0, -int(level["available"])),
            per_s=round(created / result.duration, 1),
        )
        results.append(result)
    return results[0], results[1]


async def _fixed_count(
    world: World, op: Callable[[int], Awaitable[bool]], count: int, concurrency: int, name: str
) -> Result:
    """`count` operations from `concurrency` loops (a closed run of fixed size)."""
    latencies: list[float] = []
    failed = 0
    todo = iter(range(count))
    world.client.take_statuses()

    async def user() -> None:
        nonlocal failed
        for i in todo:
            t0 = time.perf_counter()
            ok = await op(i)
            latencies.append(time.perf_counter() - t0)
            failed += not ok

    import asyncio

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    return Result(
        scenario=name,
        mode="closed",
        backend=world.shop.backend,
        load=concurrency,
        duration=time.perf_counter() - started,
        latencies=latencies,
        statuses=world.client.take_statuses(),
        failed_ops=failed,
        extra={"client": world.client.engine},
    )


async def hop(world: World, *, requests: int) -> dict[str, Any]:
    """p50 of a product page through the gateway minus direct from catalog, one request at
    a time, the two interleaved so drift hits both alike."""
    direct: list[float] = []
    gateway: list[float] = []
    for i in range(requests):
        path = f"/products/{1 + i % HOT_PRODUCTS}"
        for target, url in (
            (direct, world.url("catalog", path)),
            (gateway, world.url("gateway", f"/api/catalog{path}")),
        ):
            t0 = time.perf_counter()
            status, _ = await world.client.request("GET", url)
            target.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"hop: {url} answered {status}")
    d50, g50 = percentile(direct, 50) * 1000, percentile(gateway, 50) * 1000
    return {
        "scenario": "hop",
        "mode": "closed",
        "backend": world.shop.backend,
        "concurrency": 1,
        "requests": 2 * requests,
        "direct_p50_ms": round(d50, 3),
        "gateway_p50_ms": round(g50, 3),
        "hop_overhead_p50_ms": round(g50 - d50, 3),
        "direct_p99_ms": round(percentile(direct, 99) * 1000, 3),
        "gateway_p99_ms": round(percentile(gateway, 99) * 1000, 3),
    }
