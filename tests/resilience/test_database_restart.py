"""Issue 10, scenario 3: PostgreSQL restarted under a steady checkout load, twice: a clean
stop (`pg_ctl stop -m fast`, clients disconnected) and a crash (`-m immediate`, recovered
from the WAL on the next start), each for `settings.outage` seconds.

The shop (every service in one `ecart up`, Kafka and Redis from `make services`) runs on a
PostgreSQL of the test's own (`servers.PostgresServer`, a fresh cluster on a free port):
fresh databases and roles per service, created through its superuser. During the first gap
the latest `order-events` record is put on the topic once more (a redelivery, which Kafka
may do at any time), so every consumer of it has an event in hand while its database is
away. The scenario runs once (the `run` fixture); two tests read it:

- the requests: while the database is away they fail cleanly, 503 (never another 5xx, never
  a dropped connection); the services reconnect by themselves (the pool's pre-ping discards
  the dead connections) and every call succeeds again once it is back;
- the data: no partial write (money, stock and e-mails reconcile, outboxes drained) and no
  event dead-lettered. (This found a bug: a consumer gave an event up after ~3 s of
  failures and moved on, so events consumed during the gap were dead-lettered and lost; a
  transient failure is now waited out: `ecart.platform.bus.deliver`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # type: ignore[import-untyped]
from bench.load import Client

from tests.backends import Backend
from tests.resilience import invariants
from tests.resilience.conftest import RunSettings, record
from tests.resilience.helpers import at, make_world, result_line
from tests.resilience.load import Call, CheckoutLoad
from tests.resilience.processes import running_topology
from tests.resilience.servers import own_postgres

pytestmark = pytest.mark.resilience

SERVICES = ["users", "catalog", "inventory", "cart", "order", "payment", "notifications"]
MODES = ("fast", "immediate")
WARM, RECOVER = 3.0, 5.0
BREAKER_RESET = 2.0
# seconds after the database answers again from which every call must succeed: the
# services' breakers (opened by the 503s of the gap) let a trial call through after
# BREAKER_RESET s
SETTLED = BREAKER_RESET + 1.5
CALLERS = ("cart", "order", "inventory", "payment", "notifications", "catalog", "users")
SETTINGS = {
    **{f"ECART_{s.upper()}_BREAKER_RESET_SECONDS": str(BREAKER_RESET) for s in CALLERS},
    # the reconciler settles a charge whose order could not be updated while the database
    # was away (as in the payment scenario)
    "ECART_ORDER_RECONCILE_INTERVAL_SECONDS": "1",
    "ECART_ORDER_RECONCILE_GRACE_SECONDS": "3",
}


async def dead_lettered(urls: dict[str, str]) -> dict[str, int]:
    """Events each consumer group gave up on and sent to a dead-letter topic (its services'
    `ecart_events_consumed_total{outcome="dead_lettered"}`), by the metric's labels."""
    found: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=10) as http:
        for url in urls.values():
            with contextlib.suppress(httpx.HTTPError):
                for line in (await http.get(f"{url}/metrics")).text.splitlines():
                    if line.startswith("ecart_events_consumed_total{") and (
                        'outcome="dead_lettered"' in line
                    ):
                        labels, value = line.rsplit(" ", 1)
                        found[labels] = int(float(value))
    return found


def _ok(call: Call) -> bool:
    return call.status in (200, 201)


async def redeliver_latest(kafka: str, topic: str) -> bool:
    """Puts the latest record of `topic` (a name on the broker) on it once more, as Kafka
    may (at-least-once): each consumer group gets a copy of an event it has applied, which
    its inbox makes harmless. False when the topic has no record yet."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await producer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await producer.partitions_for(topic)]
        await consumer.start()
        try:
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            filled = [tp for tp in partitions if ends[tp] > 0]
            if not filled:
                return False
            latest = max(filled, key=lambda tp: ends[tp])
            consumer.seek(latest, ends[latest] - 1)
            record = await asyncio.wait_for(consumer.getone(latest), 10)
        finally:
            await consumer.stop()
        await producer.send_and_wait(
            topic, value=record.value, key=record.key, headers=list(record.headers)
        )
    finally:
        await producer.stop()
    return True


@dataclass
class Run:
    load: CheckoutLoad
    gaps: list[tuple[str, float, float]]  # (stop mode, stopped at, answering again at)
    check: invariants.Check
    dead: dict[str, int]
    redelivered: bool
    line: str = ""

    def calls_in_gaps(self) -> list[Call]:
        return [c for c in self.load.tally.calls if any(d <= c.at < u for _, d, u in self.gaps)]

    def calls_outside_gaps(self) -> list[Call]:
        """Calls that neither started nor were still waiting for an answer from a gap's
        start until SETTLED s after its end."""
        return [
            c
            for c in self.load.tally.calls
            if not any(c.at < u + SETTLED and c.at + c.seconds >= d for _, d, u in self.gaps)
        ]


@pytest.fixture(scope="module")
async def run(
    servers: Backend, settings: RunSettings, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    """The scenario, once: both tests below read its result."""
    outage = settings.outage
    duration = WARM + len(MODES) * (outage + RECOVER)
    gaps: list[tuple[str, float, float]] = []
    namespace = f"res{os.getpid()}pg"
    redelivered = False
    async with own_postgres() as postgres:
        backend = Backend(
            "production", postgres_url=postgres.admin_url, kafka=servers.kafka, redis=servers.redis
        )
        async with (
            running_topology(
                tmp_path_factory.mktemp("pg-restart"),
                {"shop": SERVICES},
                production=backend,
                namespace=namespace,
                settings=SETTINGS,
            ) as topology,
            Client(timeout=60) as client,
        ):
            world, initial = await make_world(topology, client)
            load = CheckoutLoad(world, rate=settings.rate, duration=duration).start()
            second = WARM
            for mode in MODES:
                await at(load, second)
                down = load.elapsed()
                await asyncio.to_thread(postgres.stop, mode)
                if not redelivered:
                    redelivered = await redeliver_latest(servers.kafka, f"{namespace}.order-events")
                await at(load, down + outage)
                await asyncio.to_thread(postgres.start)
                await postgres.wait_ready()
                gaps.append((mode, down, load.elapsed()))
                second = load.elapsed() + RECOVER
            await load.wait()
            check = await invariants.settled(topology.databases, initial, within=10)
            dead = await dead_lettered(topology.urls)
    result = Run(load, gaps, check, dead, redelivered)
    calls = load.tally.calls
    outside = result.calls_outside_gaps()
    per_gap = ", ".join(
        f"{mode} {up - down:.1f} s: "
        f"{sum(1 for c in calls if down <= c.at < up and c.status == 503)} 503s, "
        f"{sum(1 for c in calls if down <= c.at < up and _ok(c))} ok"
        for mode, down, up in gaps
    )
    dead_text = ", ".join(f"{k}={v}" for k, v in sorted(dead.items())) or "none"
    extra = (
        f"PostgreSQL stopped {per_gap}; calls outside the gaps "
        f"{sum(_ok(c) for c in outside)}/{len(outside)} ok; other 5xx "
        f"{sum(c.status >= 500 and c.status != 503 for c in calls)}; transport errors "
        f"{sum(c.status == 0 for c in calls)}; an applied event redelivered during the gap: "
        f"{redelivered}; dead-lettered: {dead_text}; {check.counts}"
    )
    result.line = result_line("database restart", load, check, extra)
    record(result.line)
    return result


def test_requests_fail_cleanly_then_succeed(run: Run) -> None:
    """While PostgreSQL is away: 503 (never another 5xx, never a dropped connection); once it
    is back (and the breakers the 503s opened have let a trial call through): every call
    succeeds, without restarting anything."""
    calls = run.load.tally.calls
    other_5xx = [c for c in calls if c.status >= 500 and c.status != 503]
    dropped = [c for c in calls if c.status == 0]
    failed_outside = [c for c in run.calls_outside_gaps() if not _ok(c)]
    assert not other_5xx, [(c.step, round(c.at, 1), c.status) for c in other_5xx]
    assert not dropped, [(c.step, round(c.at, 1), round(c.seconds, 1)) for c in dropped]
    assert any(c.status == 503 for c in run.calls_in_gaps()), "no 503 while the database was away"
    assert not failed_outside, [(c.step, round(c.at, 1), c.status) for c in failed_outside]
    after = [c for c in calls if c.at >= run.gaps[-1][2] + SETTLED]
    assert after, "no call after the last restart"


def test_nothing_lost_nothing_dead_lettered(run: Run) -> None:
    """No partial write: money, stock and e-mails reconcile, every outbox drained; and no
    event was given up on (dead-lettered) because the database was away for a while."""
    assert run.check.ok, run.check.details
    assert not run.dead, run.dead
