"""Issue 10, scenario 7: reservation expiry under load, on the embedded default (one `ecart
up`, SQLite, in-process bus) and on PostgreSQL + Kafka + Redis.

Every third buyer orders and never pays (abandoned); the others check out. Reservations
live 3 s (`ECART_INVENTORY_RESERVATION_TTL_SECONDS`, the sweeper every 0.5 s), so abandoned
orders expire while the load goes on. Holds: every abandoned order ends `cancelled`, its
stock back on sale, nothing left reserved, and per product initial = available + active
reservations + sold, exactly; every paid order has its one charge, every order its e-mails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bench.load import Client

from tests.backends import Backend
from tests.resilience import invariants
from tests.resilience.conftest import RunSettings, record
from tests.resilience.helpers import make_world, result_line
from tests.resilience.load import CheckoutLoad
from tests.resilience.processes import running_topology

pytestmark = pytest.mark.resilience

SERVICES = ["users", "catalog", "inventory", "cart", "order", "payment", "notifications"]
TTL = 3
EXPIRY = {
    "ECART_INVENTORY_RESERVATION_TTL_SECONDS": str(TTL),
    "ECART_INVENTORY_SWEEP_INTERVAL_SECONDS": "0.5",
    "ECART_ORDER_RESERVATION_TTL_SECONDS": str(TTL),
}


@pytest.fixture(params=["embedded", "production"])
def servers_or_none(request: pytest.FixtureRequest) -> Backend | None:
    """None on the embedded default; the real servers (or a skip) on production."""
    if request.param == "embedded":
        return None
    servers: Backend = request.getfixturevalue("servers")
    return servers


async def test_abandoned_orders_release_their_stock(
    servers_or_none: Backend | None, settings: RunSettings, tmp_path: Path
) -> None:
    servers = servers_or_none
    duration = max(8.0, settings.outage)
    async with (
        running_topology(
            tmp_path,
            {"shop": SERVICES},
            production=servers,
            namespace=f"res{os.getpid()}expiry",
            settings=EXPIRY,
        ) as topology,
        Client(timeout=60) as client,
    ):
        # Small stocks: what the abandoned orders hold is visibly missing until it expires.
        world, initial = await make_world(topology, client, products=4, stock=1000)
        load = CheckoutLoad(world, rate=settings.rate, duration=duration, abandon_every=3)
        tally = await load.start().wait()
        check = await invariants.settled(
            topology.databases,
            initial,
            within=TTL + 30,
            until=lambda c: not c.counts.get("orders_pending"),
        )
        levels = {}
        for product in initial:
            _, level = await client.request("GET", world.url("inventory", f"/stock/{product}"))
            levels[product] = level
        statuses = await _statuses(client, world.url("order", "/orders"), world.shop.admin_headers)

    abandoned = tally.abandoned_orders
    still_held = sum(int(level["reserved"]) for level in levels.values())
    sold = len(tally.paid_orders)
    available = sum(int(level["available"]) for level in levels.values())
    extra = (
        f"abandoned {len(abandoned)}, of which cancelled "
        f"{sum(statuses.get(o) == 'cancelled' for o in abandoned)}; still reserved {still_held}; "
        f"available {available} = initial {sum(initial.values())} - sold {sold}; {check.counts}"
    )
    record(result_line("reservation expiry", load, check, extra))
    assert check.ok, check.details
    assert abandoned and all(statuses.get(o) == "cancelled" for o in abandoned)
    assert still_held == 0
    assert available == sum(initial.values()) - check.counts.get("orders_paid", 0)
    assert tally.succeeded == tally.operations, tally.describe_errors()


async def _statuses(client: Client, url: str, headers: dict[str, str]) -> dict[int, str]:
    found: dict[int, str] = {}
    skip = 0
    while True:
        status, page = await client.request("GET", f"{url}?skip={skip}&limit=500", headers=headers)
        assert status == 200, page
        items = page if isinstance(page, list) else page.get("items", [])
        found.update({int(o["id"]): str(o["status"]) for o in items})
        if len(items) < 500:
            return found
        skip += 500
