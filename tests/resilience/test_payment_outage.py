"""Issue 10, scenario 2: the payment service slow, then down, then back, under a steady
checkout load.

Payment runs in a process of its own behind the fault proxy (every other service's
`ECART_PAYMENT_URL` is the proxy); the rest of the shop runs in another `ecart up`. The
order service's timeout is short (2 s, 2 attempts) and its breaker opens after 3 failures for
2 s. Phases: pass → latency (2 s, above the timeout) → reset → blackhole → pass.

Holds: every payment answer comes within timeout × attempts + a margin; while payment is
away the circuit opens (fast 503 with `Retry-After`); after recovery checkouts succeed
again; and once the reconciler has settled the charges whose answers were lost, no order is
paid without its charge and no charge is left without its paid order.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from bench.load import Client
from bench.scenarios import World
from bench.shop import Identity

from tests.backends import Backend
from tests.resilience import invariants
from tests.resilience.conftest import RunSettings, record
from tests.resilience.faultproxy import FaultProxy
from tests.resilience.helpers import at, make_world, result_line
from tests.resilience.load import CheckoutLoad
from tests.resilience.processes import running_topology

pytestmark = pytest.mark.resilience

# The timeout applies to every call of the order service (cart and inventory too): 1 s made a
# cart call on a busy 2-core CI machine open the cart breaker now and then.
TIMEOUT, ATTEMPTS, THRESHOLD, RESET = 2.0, 2, 3, 2.0
# stamina waits up to ~1 s between the attempts; the rest is the order's own work.
BOUND = TIMEOUT * ATTEMPTS + 2.5
FAST = 0.5
CORE = ["users", "catalog", "inventory", "cart", "order", "notifications"]
ORDER_SETTINGS = {
    "ECART_ORDER_HTTP_TIMEOUT_SECONDS": str(TIMEOUT),
    "ECART_ORDER_HTTP_RETRIES": str(ATTEMPTS),
    "ECART_ORDER_BREAKER_FAILURE_THRESHOLD": str(THRESHOLD),
    "ECART_ORDER_BREAKER_RESET_SECONDS": str(RESET),
    "ECART_ORDER_RECONCILE_INTERVAL_SECONDS": "1",
    "ECART_ORDER_RECONCILE_GRACE_SECONDS": "3",
}


async def _probe_circuit(world: World, user: str) -> str:
    """One checkout by hand while payment is away: 'fast-503' when the payment answer is a
    503 with Retry-After within FAST s, else what it was."""
    headers = world.shop.bearer(user)
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        line = {"product_id": world.checkout_products[0], "quantity": 1}
        await http.post(world.url("cart", f"/cart/{user}/items"), json=line)
        order = await http.post(world.url("order", "/orders"), json={"user_id": user})
        assert order.status_code == 201, order.text
        started = time.perf_counter()
        paid = await http.post(world.url("order", f"/orders/{order.json()['id']}/payment"))
        seconds = time.perf_counter() - started
    if paid.status_code == 503 and paid.headers.get("Retry-After") and seconds < FAST:
        return "fast-503"
    return f"{paid.status_code} in {seconds:.2f} s, Retry-After {paid.headers.get('Retry-After')}"


async def test_payment_slow_then_down_then_back(
    servers: Backend, settings: RunSettings, tmp_path: Path
) -> None:
    identity = Identity.new()
    payment_port = int(identity.urls["payment"].rsplit(":", 1)[1])
    outage = settings.outage
    warm, recovery = 3.0, RESET + 5.0
    phases = [("pass", 0.0), ("latency", warm), ("reset", warm + outage)]
    phases += [("blackhole", warm + 2 * outage), ("pass", warm + 3 * outage)]
    duration = warm + 3 * outage + recovery
    async with (
        FaultProxy("127.0.0.1", payment_port) as proxy,
        running_topology(
            tmp_path,
            {"core": CORE, "payment": ["payment"]},
            production=servers,
            namespace=f"res{os.getpid()}pay",
            identity=identity,
            settings=ORDER_SETTINGS,
            process_settings={"core": {"ECART_PAYMENT_URL": f"http://{proxy.address}"}},
        ) as topology,
        Client(timeout=60) as client,
    ):
        world, initial = await make_world(topology, client)
        load = CheckoutLoad(world, rate=settings.rate, duration=duration).start()
        probes = []
        for mode, second in phases[1:]:
            await at(load, second)
            proxy.set(mode, 2 * TIMEOUT if mode == "latency" else 0.0)
            if mode == "pass":
                continue
            await at(load, second + outage - 1.0)  # late in the phase: the breaker is open
            user = f"res-probe-{mode}-{world.run_id}"
            probes.append(f"{mode}:{await _probe_circuit(world, user)}")
        tally = await load.wait()
        check = await invariants.settled(topology.databases, initial, within=45)

    pays = [c for c in tally.calls if c.step == "pay"]
    slowest = max(c.seconds for c in pays)
    fast_503 = sum(1 for c in pays if c.status == 503 and c.seconds < FAST)
    back = warm + 3 * outage + RESET + 1.5
    after = [c for c in pays if c.at >= back]
    extra = (
        f"slowest payment answer {slowest:.2f} s (bound {BOUND:g}); fast 503s {fast_503}; "
        f"probes {', '.join(probes)}; after recovery {sum(c.status == 200 for c in after)}"
        f"/{len(after)} paid; paid by the reconciler after a lost answer "
        f"{check.counts.get('orders_paid', 0) - len(tally.paid_orders)}; {check.counts}"
    )
    record(result_line("payment slow/down", load, check, extra))
    assert check.ok, check.details
    assert slowest <= BOUND, f"a payment answer took {slowest:.2f} s"
    assert fast_503 > 0, "the circuit never answered a fast 503"
    assert all(p.endswith("fast-503") for p in probes), probes
    assert after and all(c.status == 200 for c in after), [(c.at, c.status) for c in after]
    assert tally.succeeded > 0
