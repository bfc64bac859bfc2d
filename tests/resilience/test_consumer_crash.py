"""Issue 10, scenario 4: the notifications consumer crashes, again and again, under load.

Notifications runs in an `ecart up` of its own (PostgreSQL + Kafka + Redis); the rest of the
shop in another. While checkouts go on, the notifications process is SIGKILLed (no shutdown
code runs: whatever it had applied but not yet committed to Kafka is delivered again) and
started again, every few seconds. Holds: once it has caught up, exactly one e-mail per
(order, kind) the order calls for, every outbox drained, nothing dead-lettered, and every
other invariant (money, stock) intact.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest
from bench.load import Client

from tests.backends import Backend
from tests.resilience import invariants
from tests.resilience.conftest import RunSettings, record
from tests.resilience.helpers import make_world, result_line
from tests.resilience.load import CheckoutLoad
from tests.resilience.processes import running_topology

pytestmark = pytest.mark.resilience

CORE = ["users", "catalog", "inventory", "cart", "order", "payment"]
ALIVE = 2.0  # seconds the consumer runs (once ready) before the next kill


async def test_notifications_killed_repeatedly(
    servers: Backend, settings: RunSettings, tmp_path: Path
) -> None:
    duration = max(16.0, 2 * settings.outage)
    async with (
        running_topology(
            tmp_path,
            {"core": CORE, "notifications": ["notifications"]},
            production=servers,
            namespace=f"res{os.getpid()}crash",
        ) as topology,
        Client(timeout=60) as client,
    ):
        world, initial = await make_world(topology, client)
        load = CheckoutLoad(world, rate=settings.rate, duration=duration).start()
        consumer = topology.processes["notifications"]
        kills = redelivered = 0
        restarts: list[float] = []
        while load.elapsed() < duration - ALIVE:
            await asyncio.sleep(ALIVE)
            redelivered += await _duplicates_skipped(world.url("notifications", "/metrics"))
            consumer.kill()
            kills += 1
            await asyncio.sleep(0.5)
            t0 = time.perf_counter()
            await topology.start("notifications")
            restarts.append(time.perf_counter() - t0)
        tally = await load.wait()
        check = await invariants.settled(topology.databases, initial, within=90)
        redelivered += await _duplicates_skipped(world.url("notifications", "/metrics"))

    extra = (
        f"notifications SIGKILLed {kills} times and restarted; redeliveries its inbox skipped "
        f"{redelivered}; restart to ready {max(restarts):.1f} s at most; {check.counts}"
    )
    record(result_line("consumer crash", load, check, extra))
    assert kills >= 2
    assert check.ok, check.details
    assert tally.succeeded == tally.operations, tally.describe_errors()


async def _duplicates_skipped(url: str) -> int:
    """Deliveries the running notifications process found already in its inbox (its
    `ecart_events_consumed_total{outcome="duplicate"}`, since it started)."""
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(url)
    if answer.status_code != 200:
        return 0
    text = answer.text
    return int(
        sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("ecart_events_consumed_total{") and 'outcome="duplicate"' in line
        )
    )
