"""Issue 10, scenario 1: the Kafka broker stopped under a steady checkout load, then started
again.

The shop (every service in one `ecart up`, PostgreSQL and Redis from `make services`) runs on
a broker of the test's own (`servers.KafkaServer`, KRaft, free loopback ports), which the
test stops (SIGTERM, a controlled shutdown; or SIGKILL, a crash) for `settings.outage`
seconds and then starts again on the same data directory and ports. Twice a second it reads
the publishing services' outbox gauges (`/metrics`: `ecart_outbox_pending`,
`ecart_outbox_oldest_pending_age_seconds`) and, for comparison, their outbox tables.

The scenario runs once per signal (the `run` fixture); two tests read it:

- the shop: checkouts keep succeeding while the broker is away (nothing on the checkout path
  waits for the bus: events go to each service's outbox in the same transaction), the
  backlog grows, and once the broker is back the relays and consumers reconnect by
  themselves and it drains; at the end every order has exactly its events delivered
  (outboxes empty, nothing dead-lettered) and exactly one notification per (order, kind),
  with money and stock intact;
- the metrics: the outbox gauges follow the backlog while the broker is away. (This found a
  bug: the relay's publish waited for the producer's own 40 s timeout, and the gauges,
  refreshed only when an attempt ends, kept their last value; a publish now fails after
  `OutboxRelay.publish_timeout_seconds`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass, field

import httpx
import pytest
from bench.load import Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ecart.order import store as order_store
from tests.backends import Backend
from tests.resilience import invariants
from tests.resilience.conftest import RunSettings, record
from tests.resilience.helpers import at, eventually, make_world, result_line
from tests.resilience.load import Call, CheckoutLoad
from tests.resilience.processes import running_topology
from tests.resilience.servers import own_kafka

pytestmark = pytest.mark.resilience

SERVICES = ["users", "catalog", "inventory", "cart", "order", "payment", "notifications"]
# The services with events to publish on the checkout path.
PUBLISHERS = ("cart", "inventory", "order", "payment")
WARM = 3.0
# load after the broker was due back: it answers 3-7 s after a SIGTERM, 4-8 s after a SIGKILL
# (it recovers its log and fences its previous incarnation first) on a 2-core machine; the
# calls after that must succeed too
AFTER = {"SIGTERM": 12.0, "SIGKILL": 12.0}
EVENTS_PER_CHECKOUT = 6  # about: cart, order, inventory and payment events
LAG = 2.5  # seconds the gauges may take to follow the outbox (refreshed about every second)


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the load started
    pending: float  # ecart_outbox_pending, summed over the publishers
    oldest: float  # ecart_outbox_oldest_pending_age_seconds, the largest
    rows: int  # rows in the publishers' outbox tables (the truth)


@dataclass
class Backlog:
    """The publishers' outbox gauges and outbox tables, sampled twice a second."""

    urls: dict[str, str]
    databases: dict[str, str]
    samples: list[Sample] = field(default_factory=list)

    async def _rows(self, engines: dict[str, AsyncEngine]) -> int:
        rows = 0
        for engine in engines.values():
            with contextlib.suppress(Exception):
                async with engine.connect() as conn:
                    outbox = order_store.outbox  # every service's outbox has this shape
                    rows += int(await conn.scalar(select(func.count()).select_from(outbox)) or 0)
        return rows

    async def _gauges(self, http: httpx.AsyncClient) -> tuple[float, float]:
        pending = oldest = 0.0
        for service in PUBLISHERS:
            with contextlib.suppress(httpx.HTTPError):
                text = (await http.get(f"{self.urls[service]}/metrics")).text
                for line in text.splitlines():
                    if line.startswith("ecart_outbox_pending{"):
                        pending += float(line.rsplit(" ", 1)[1])
                    elif line.startswith("ecart_outbox_oldest_pending_age_seconds{"):
                        oldest = max(oldest, float(line.rsplit(" ", 1)[1]))
        return pending, oldest

    async def run(self, load: CheckoutLoad) -> None:
        engines = {s: create_async_engine(self.databases[s], pool_size=1) for s in PUBLISHERS}
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                while True:
                    now = load.elapsed()
                    pending, oldest = await self._gauges(http)
                    rows = await self._rows(engines)
                    self.samples.append(Sample(now, pending, oldest, rows))
                    await asyncio.sleep(0.5)
        finally:
            for engine in engines.values():
                await engine.dispose()

    def within(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.at <= end]

    def drained_at(self, since: float, below: float) -> float | None:
        """The first sample after `since` whose outbox tables hold fewer than `below` events
        (the load goes on, so a few fresh ones may be pending at any time)."""
        return next((s.at for s in self.samples if s.at >= since and s.rows < below), None)


@dataclass
class Run:
    signal: str
    load: CheckoutLoad
    backlog: Backlog
    down_at: float  # the broker was signalled
    restart_at: float  # it was started again
    up_at: float  # it answered again
    ready_in: float
    check: invariants.Check
    rate: float
    line: str = ""

    def drained_at(self) -> float | None:
        """When the outbox tables held less than a second's events again."""
        return self.backlog.drained_at(self.restart_at, self.rate * EVENTS_PER_CHECKOUT)

    def calls(self, start: float, end: float) -> list[Call]:
        return [c for c in self.load.tally.calls if start <= c.at < end]


@pytest.fixture(scope="module", params=["SIGTERM", "SIGKILL"])
async def run(
    request: pytest.FixtureRequest,
    servers: Backend,
    settings: RunSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Run:
    """The scenario, once per signal: SIGTERM (a controlled shutdown) or SIGKILL (a crash:
    the broker recovers on the next start, which takes longer)."""
    signal: str = request.param
    outage = settings.outage
    home = tmp_path_factory.mktemp(f"broker-{signal}")
    async with own_kafka(home / "kafka") as kafka:
        backend = Backend(
            "production",
            postgres_url=servers.postgres_url,
            kafka=kafka.bootstrap,
            redis=servers.redis,
        )
        async with (
            running_topology(
                home / "shop",
                {"shop": SERVICES},
                production=backend,
                namespace=f"res{os.getpid()}broker",
                settings={"ECART_KAFKA_CONNECT_TIMEOUT_SECONDS": "30"},
            ) as topology,
            Client(timeout=60) as client,
        ):
            world, initial = await make_world(topology, client)
            load = CheckoutLoad(world, rate=settings.rate, duration=WARM + outage + AFTER[signal])
            load.start()
            backlog = Backlog(topology.urls, topology.databases)
            sampler = asyncio.create_task(backlog.run(load))
            try:
                await at(load, WARM)
                down_at = load.elapsed()
                await asyncio.to_thread(kafka.stop if signal == "SIGTERM" else kafka.kill)
                await at(load, down_at + outage)
                restart_at = load.elapsed()
                ready_in = await kafka.restart()
                up_at = load.elapsed()
                await load.wait()

                async def drain_seen() -> bool:
                    below = settings.rate * EVENTS_PER_CHECKOUT
                    return backlog.drained_at(restart_at, below) is not None

                await eventually(drain_seen, within=60)
            finally:
                sampler.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sampler
            check = await invariants.settled(topology.databases, initial, within=60)
    result = Run(signal, load, backlog, down_at, restart_at, up_at, ready_in, check, settings.rate)
    away = backlog.within(down_at, up_at)
    during = result.calls(down_at, up_at)
    drained = result.drained_at()
    extra = (
        f"broker {signal} for {outage:g} s, answering {ready_in:.1f} s after its restart "
        f"(away {up_at - down_at:.1f} s in all); calls while away "
        f"{sum(c.status in (200, 201) for c in during)}/{len(during)} ok, after "
        f"{len(result.calls(up_at, float('inf')))}; outbox backlog peak "
        f"{max((s.rows for s in away), default=0)} events (tables), "
        f"{max((s.pending for s in away), default=0):g} shown by ecart_outbox_pending while "
        f"away (oldest age {max((s.oldest for s in away), default=0):.1f} s); drained "
        + (f"{drained - up_at:+.1f} s from the broker answering" if drained else "never")
        + f"; {check.counts}"
    )
    result.line = result_line(f"broker outage ({signal})", load, check, extra)
    record(result.line)
    return result


def test_checkouts_go_on_and_the_backlog_drains(run: Run, settings: RunSettings) -> None:
    tally = run.load.tally
    during = run.calls(run.down_at, run.up_at)
    failed = [c for c in during if c.status not in (200, 201)]
    after = run.calls(run.up_at, float("inf"))
    away = run.backlog.within(run.down_at, run.up_at)
    assert run.check.ok, run.check.details
    assert during and not failed, [(c.step, round(c.at, 1), c.status) for c in failed]
    assert tally.succeeded == tally.operations, tally.describe_errors()
    assert len(after) >= 2 * settings.rate, f"only {len(after)} calls after the broker was back"
    peak = max((s.rows for s in away), default=0)
    assert peak >= settings.rate * settings.outage, f"the outbox backlog peaked at {peak}"
    assert run.drained_at() is not None, "the backlog never drained"


def test_the_backlog_shows_in_metrics_while_the_broker_is_away(run: Run) -> None:
    """Every sample from LAG s into the outage on: the gauges show at least half of what the
    outbox tables held LAG s earlier, and the oldest event's age grows with the outage."""
    behind = []
    for sample in run.backlog.within(run.down_at + LAG, run.up_at):
        earlier = run.backlog.within(run.down_at, sample.at - LAG)
        truth = earlier[-1].rows if earlier else 0
        if sample.pending < truth / 2 or sample.oldest < (sample.at - run.down_at) - 2 * LAG:
            behind.append((round(sample.at, 1), sample.pending, truth, round(sample.oldest, 1)))
    assert run.backlog.within(run.down_at + LAG, run.up_at), "no sample while the broker was away"
    assert not behind, f"(at, gauge, outbox rows {LAG:g} s earlier, oldest age): {behind}"
