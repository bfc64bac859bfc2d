"""What every scenario does around its fault: a world to load (bench's `World` over the
topology's shop, with products of known initial stock) and the one-line result."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bench.load import Client
from bench.scenarios import World

from tests.resilience.invariants import Check
from tests.resilience.load import CheckoutLoad
from tests.resilience.processes import Topology


async def make_world(
    topology: Topology, client: Client, *, products: int = 4, stock: int = 100_000
) -> tuple[World, dict[int, int]]:
    """A world whose checkouts buy `products` products of `stock` units each; returns it
    and each product's initial stock."""
    assert topology.shop is not None
    world = World(topology.shop, client, catalog_size=0)
    initial = {}
    for n in range(products):
        product = await world.create_product(f"Resilience SKU {world.run_id} {n}", stock)
        world.checkout_products.append(product)
        initial[product] = stock
    return world, initial


def result_line(scenario: str, load: CheckoutLoad, check: Check, extra: str = "") -> str:
    tally = load.tally
    return (
        f"{scenario} [{load.world.shop.backend}]: load {load.label} = {tally.operations} "
        f"operations, {tally.succeeded} succeeded; errors: {tally.describe_errors()}; "
        f"{check.summary()}" + (f"; {extra}" if extra else "")
    )


async def at(load: CheckoutLoad, second: float) -> None:
    """Sleeps until `second` s after the load started."""
    await asyncio.sleep(max(0.0, second - load.elapsed()))


async def eventually(probe: Callable[[], Awaitable[bool]], within: float) -> bool:
    deadline = time.monotonic() + within
    while not await probe():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.5)
    return True
