"""Issue 10, scenario 6: Redis down under a browse + checkout load.

The shop (one `ecart up`, PostgreSQL + Kafka) reaches Redis, for the catalog cache and the
abuse-limit counters (`ECART_REDIS_URL`, `ECART_RATE_LIMIT_STORAGE`), only through the fault
proxy. Phases: pass → blackhole → pass → reset → pass.

Holds (README, "Redis"): Redis is never needed to answer, so the catalog keeps serving,
from the database (a price changed during the outage shows on the next read: nothing stale
is replayed); the abuse limits fail over to counters in the process's memory ("never a 500,
never a lock-out, and each replica still limits what reaches it"), so failed logins are
still cut off at the limit with a 429 and `Retry-After` while Redis is away; no request
fails with a 5xx; and nothing is lost.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from bench.load import Client
from bench.scenarios import World

from tests.backends import Backend
from tests.resilience import invariants
from tests.resilience.conftest import RunSettings, record
from tests.resilience.faultproxy import FaultProxy
from tests.resilience.helpers import at, make_world, result_line
from tests.resilience.load import CheckoutLoad
from tests.resilience.processes import running_topology

pytestmark = pytest.mark.resilience

SERVICES = ["users", "catalog", "inventory", "cart", "order", "payment", "notifications"]
LOGIN_LIMIT = 10  # failed logins per account (the default ECART_USERS_LOGIN_FAILURE_LIMIT)


def _through(proxy: FaultProxy, url: str) -> str:
    parts = urlsplit(url)
    auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{auth}{proxy.address}"))


async def _failed_logins(world: World, account: str) -> list[tuple[int, str | None]]:
    """LOGIN_LIMIT + 2 wrong passwords for one account: (status, Retry-After) of each."""
    answers = []
    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(LOGIN_LIMIT + 2):
            answer = await http.post(
                world.url("users", "/auth/token"),
                data={"username": account, "password": "not-the-password-at-all"},
            )
            answers.append((answer.status_code, answer.headers.get("Retry-After")))
    return answers


async def _price_change_shows(world: World, product: int, price: float) -> bool:
    async with httpx.AsyncClient(timeout=30) as http:
        changed = await http.put(
            world.url("catalog", f"/products/{product}"),
            json={"price": price},
            headers=world.shop.admin_headers,
        )
        assert changed.status_code == 200, changed.text
        started = time.monotonic()
        while time.monotonic() - started < 1.0:
            read = await http.get(world.url("catalog", f"/products/{product}"))
            if read.status_code == 200 and read.json()["price"] == price:
                return True
    return False


async def test_redis_blackholed_then_reset(
    servers: Backend, settings: RunSettings, tmp_path: Path
) -> None:
    redis = urlsplit(servers.redis)
    outage, warm, gap = settings.outage, 3.0, 2.0
    phases = [("blackhole", warm), ("pass", warm + outage), ("reset", warm + outage + gap)]
    phases.append(("pass", warm + 2 * outage + gap))
    duration = warm + 2 * outage + gap + 4.0
    async with (
        FaultProxy(redis.hostname or "127.0.0.1", redis.port or 6379) as proxy,
        running_topology(
            tmp_path,
            {"shop": SERVICES},
            production=servers,
            namespace=f"res{os.getpid()}redis",
            settings={
                "ECART_REDIS_URL": _through(proxy, servers.redis),
                "ECART_RATE_LIMIT_STORAGE": _through(proxy, servers.redis),
            },
        ) as topology,
        Client(timeout=60) as client,
    ):
        world, initial = await make_world(topology, client)
        load = CheckoutLoad(world, rate=2 * settings.rate, duration=duration, browse_every=2)
        load.start()
        during: dict[str, object] = {}
        for mode, second in phases:
            await at(load, second)
            proxy.set(mode)
            if mode == "blackhole":
                await at(load, second + 1.0)
                during["logins"] = await _failed_logins(world, f"res-{world.run_id}@example.com")
                during["fresh"] = await _price_change_shows(world, world.checkout_products[0], 7.25)
        tally = await load.wait()
        check = await invariants.settled(topology.databases, initial, within=45)
        connections = proxy.connections

    browses = [c for c in tally.calls if c.step == "browse"]
    in_outage = [c for c in browses if warm <= c.at < warm + 2 * outage + gap]
    slowest = max(c.seconds for c in in_outage)
    five_xx = sum(1 for c in tally.calls if c.status >= 500)
    logins = during["logins"]
    assert isinstance(logins, list)
    statuses = [status for status, _ in logins]
    extra = (
        f"browse during outage {sum(c.status == 200 for c in in_outage)}/{len(in_outage)} "
        f"ok, slowest {slowest:.2f} s; failed logins during outage {statuses}; price change "
        f"seen at once: {during['fresh']}; Redis connections via proxy {connections}; "
        f"{check.counts}"
    )
    record(result_line("redis down", load, check, extra))
    assert check.ok, check.details
    assert in_outage and all(c.status == 200 for c in in_outage), "the catalog stopped serving"
    assert slowest < 2.0
    assert five_xx == 0, tally.describe_errors()
    assert statuses == [401] * LOGIN_LIMIT + [429, 429], "limits must still hold (memory)"
    assert all(retry for status, retry in logins if status == 429)
    assert during["fresh"], "a price changed during the outage was not served at once"
    assert tally.succeeded == tally.operations, tally.describe_errors()
