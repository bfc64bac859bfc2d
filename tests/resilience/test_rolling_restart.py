"""Issue 10, scenario 5: a rolling restart of two instances of a service behind the gateway,
under constant load, fails no request.

The service (catalog; then order, the checkout path) runs as two `ecart up <service>`
processes (`<service>-a`, `<service>-b`, each on its own port, started one after the
other); the rest of the shop, gateway included, in a third (PostgreSQL + Kafka + Redis:
the processes share events only through Kafka). Every process has
`ECART_<SERVICE>_URL=<a>,<b>`: the gateway and the other services' clients go round-robin
over the ready instances, checked every CHECK s. The load goes through the
gateway only: product pages and product lists (`/api/catalog/…`), and checkouts (`/api/cart`,
`/api/order`; the cart service reads the product from catalog, so service-to-service calls
are balanced too). Then the README's procedure ("Rolling restarts"), ROUNDS times over both
instances: SIGTERM one (it drains for DELAY s: `/ready` 503 while it still serves), wait for
it to exit, start it again, wait until its `/ready` answers 200 plus one check interval,
then the next. The load (open loop, `ECART_TEST_RESILIENCE_RATE` operations/s, half reads,
half checkouts) runs until AFTER s after the roll.

Holds: every answer 2xx (no 5xx, no transport error) over the whole run; each instance
served load before each of its restarts and after its last one; it said "draining" while
still serving and exited 0; and nothing is lost (`tests/resilience/invariants.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from bench.load import Client
from bench.shop import Identity, free_port

from tests.backends import Backend
from tests.resilience import invariants
from tests.resilience.conftest import RunSettings, record
from tests.resilience.helpers import make_world, result_line
from tests.resilience.load import CheckoutLoad
from tests.resilience.processes import NotReady, Process, Topology, running_topology

pytestmark = pytest.mark.resilience

SERVICES = ["users", "catalog", "inventory", "cart", "order", "payment", "notifications"]
CHECK = 0.25  # ECART_INSTANCE_CHECK_SECONDS
DELAY = 1.2  # ECART_SHUTDOWN_DELAY_SECONDS: well above CHECK
ROUNDS = 2
WARM = 3.0  # seconds of load before the first SIGTERM
AFTER = 3.0  # seconds of load after the last restart
PROBES = frozenset({"/ready", "/health", "/metrics"})
_COUNTER = re.compile(r"^ecart_http_requests_total\{(?P<labels>.*)\} (?P<value>\S+)$")


@dataclass
class GatewayLoad(CheckoutLoad):
    """The checkout load, every call through the gateway (the world's URLs are the
    gateway's `/api/<service>`); its reads alternate a product page and a product list.
    Open loop like bench's (one operation started every 1/rate s whatever the shop does),
    but it runs until `finish()` (at most `duration` s): a roll takes as long as it takes."""

    _done: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    def start(self) -> GatewayLoad:
        self._t0 = time.perf_counter()
        self._task = asyncio.create_task(self._run())
        return self

    def finish(self) -> None:
        self._done.set()

    async def _run(self) -> tuple[list[float], int, float, float]:
        tasks: set[asyncio.Task[bool]] = set()
        i = 0
        while not self._done.is_set() and self.elapsed() < self.duration:
            task = asyncio.create_task(self.op(i))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._done.wait(), i / self.rate - self.elapsed())
        self.duration = round(self.elapsed(), 1)  # for the label
        if tasks:
            await asyncio.wait(set(tasks), timeout=60)
        return [], 0, self.elapsed(), 0.0

    async def _browse(self, i: int) -> bool:
        if (i // max(1, self.browse_every)) % 2:
            status, _ = await self._call("list", "GET", "catalog", "/products?limit=20")
            return status == 200
        return await super()._browse(i)


@dataclass
class Restart:
    name: str
    sigterm_at: float  # seconds since the load started
    drain: float  # SIGTERM to exit
    down: float  # SIGTERM to ready again (plus the check interval we waited)
    exit_code: int | None
    draining_seen: bool  # /ready 503 "draining" while /health 200, after the SIGTERM
    served_before: int  # requests of the load the instance answered since it last started


async def _served(http: httpx.AsyncClient, url: str) -> int:
    """The requests (probes aside) the instance at `url` answered since it started (its
    `ecart_http_requests_total`)."""
    answer = await http.get(f"{url}/metrics")
    assert answer.status_code == 200, answer.text
    total = 0.0
    for line in answer.text.splitlines():
        match = _COUNTER.match(line)
        if match is None:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match["labels"]))
        if labels.get("route") not in PROBES:
            total += float(match["value"])
    return int(total)


async def _wait_ready(process: Process, url: str, limit: float = 60.0) -> float:
    """Seconds until the instance at `url` (run by `process`) answers `/ready` 200."""
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            if not process.running:
                raise NotReady(f"{process.name} exited while starting:\n{process.log_tail()}")
            if time.perf_counter() - started > limit:
                raise NotReady(f"{process.name} not ready in {limit:.0f} s")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{url}/ready")).status_code == 200:
                    return time.perf_counter() - started
            await asyncio.sleep(0.05)


async def _draining(http: httpx.AsyncClient, url: str) -> bool:
    """Whether the instance says it is draining (`/ready` 503) while still alive."""
    with contextlib.suppress(httpx.TransportError):
        ready, health = await asyncio.gather(http.get(f"{url}/ready"), http.get(f"{url}/health"))
        body = ready.json() if ready.status_code == 503 else {}
        return body.get("status") == "draining" and health.status_code == 200
    return False


async def _terminated(process: Process, limit: float = 20.0) -> int | None:
    """SIGTERM, then waits (without blocking the load) for the exit; its code."""
    assert process.popen is not None
    process.popen.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + limit
    while process.popen.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"{process.name} still running {limit:g} s after SIGTERM")
        await asyncio.sleep(0.02)
    return process.popen.returncode


async def _restart(
    topology: Topology,
    name: str,
    url: str,
    load: CheckoutLoad,
    http: httpx.AsyncClient,
    baseline: dict[str, int],
) -> Restart:
    """`baseline[name]`: what the instance had answered before the load (then 0)."""
    process = topology.processes[name]
    served = await _served(http, url) - baseline.pop(name, 0)
    sigterm_at = load.elapsed()
    started = time.perf_counter()
    stopping = asyncio.create_task(_terminated(process))
    await asyncio.sleep(min(0.3, DELAY / 3))
    draining_seen = await _draining(http, url)
    code = await stopping
    drain = time.perf_counter() - started
    process.start()
    await _wait_ready(process, url)
    await asyncio.sleep(CHECK)  # the README's "plus one check interval"
    down = time.perf_counter() - started
    return Restart(name, sigterm_at, drain, down, code, draining_seen, served)


def _failures(load: CheckoutLoad, restarts: list[Restart]) -> str:
    """The failed calls, each with when it started relative to the restarts."""
    marks = [(r.sigterm_at, r.sigterm_at + r.down, r.name) for r in restarts]
    lines = []
    for call in load.tally.calls:
        if 200 <= call.status < 300:
            continue
        during = [n for start, end, n in marks if start - 0.5 <= call.at <= end + 0.5]
        lines.append(
            f"{call.step}:{call.status or 'transport'} at {call.at:.2f} s "
            f"({call.seconds:.2f} s) during {during or 'no restart'}"
        )
    return "\n".join(lines[:40])


@pytest.mark.parametrize("service", ["catalog", "order"])
async def test_rolling_restart_behind_the_gateway_fails_no_request(
    servers: Backend, settings: RunSettings, tmp_path: Path, service: str
) -> None:
    identity = Identity.new()
    url_a = identity.urls[service]
    port_b = free_port()
    url_b = f"http://127.0.0.1:{port_b}"
    urls = {f"{service}-a": url_a, f"{service}-b": url_b}
    shared = {
        f"ECART_{service.upper()}_URL": f"{url_a},{url_b}",
        "ECART_INSTANCE_CHECK_SECONDS": str(CHECK),
        "ECART_SHUTDOWN_DELAY_SECONDS": str(DELAY),
    }
    core = [s for s in SERVICES if s != service] + ["gateway"]
    # `-a` migrates its database first; `-b` (last) finds it migrated.
    groups = {f"{service}-a": [service], "core": core, f"{service}-b": [service]}
    limit = 90.0  # the load stops AFTER s after the roll, or at the latest here
    async with (
        running_topology(
            tmp_path,
            groups,
            production=servers,
            namespace=f"res{os.getpid()}roll{service}",
            identity=identity,
            settings=shared,
            process_settings={f"{service}-b": {f"ECART_{service.upper()}_PORT": str(port_b)}},
        ) as topology,
        Client(timeout=60) as client,
        httpx.AsyncClient(timeout=10) as http,
    ):
        # running_topology waited for `identity.urls[service]`, i.e. `-a`: now `-b`.
        await _wait_ready(topology.processes[f"{service}-b"], url_b)
        await asyncio.sleep(2 * CHECK)  # the gateway and the clients have seen it ready
        world, initial = await make_world(topology, client)
        assert topology.shop is not None
        gateway = identity.urls["gateway"]
        through = {s: f"{gateway}/api/{s}" for s in ("catalog", "cart", "order")}
        shop = dataclasses.replace(topology.shop, urls={**topology.shop.urls, **through})
        world = dataclasses.replace(world, shop=shop)
        baseline = {name: await _served(http, url) for name, url in urls.items()}
        load = GatewayLoad(world, rate=settings.rate, duration=limit, browse_every=2)
        load.start()
        await asyncio.sleep(WARM)
        restarts = []
        for _ in range(ROUNDS):
            for name, url in urls.items():
                restarts.append(await _restart(topology, name, url, load, http, baseline))
        rolled_at = load.elapsed()
        await asyncio.sleep(max(1.0, AFTER - 1.0))
        served_after = {name: await _served(http, url) for name, url in urls.items()}
        load.finish()
        tally = await load.wait()
        check = await invariants.settled(topology.databases, initial, within=45)

    drains = ", ".join(f"{r.drain:.1f}" for r in restarts)
    downs = ", ".join(f"{r.down:.1f}" for r in restarts)
    steps = {c.step for c in tally.calls}
    calls = len(tally.calls)
    extra = (
        f"{calls} requests through the gateway ({', '.join(sorted(steps))}); {service} x2, "
        f"{len(restarts)} restarts (SIGTERM one at a time, {ROUNDS} rounds, delay {DELAY:g} s, "
        f"check {CHECK:g} s) done by {rolled_at:.1f} s; drain (SIGTERM to exit) {drains} s; "
        f"SIGTERM to ready again {downs} s; requests served before each restart "
        f"{[r.served_before for r in restarts]}, after the last {served_after}; {check.counts}"
    )
    record(result_line(f"rolling restart {service}", load, check, extra))
    failures = _failures(load, restarts)
    assert not failures, f"failed requests:\n{failures}"
    assert tally.succeeded == tally.operations, tally.describe_errors()
    assert rolled_at < limit - AFTER, f"the roll outlasted the load ({rolled_at:.1f} s)"
    assert all(r.exit_code == 0 for r in restarts), [(r.name, r.exit_code) for r in restarts]
    assert all(r.draining_seen for r in restarts), [(r.name, r.draining_seen) for r in restarts]
    assert all(r.served_before > 0 for r in restarts), [(r.name, r.served_before) for r in restarts]
    assert all(n > 0 for n in served_after.values()), served_after
    assert check.ok, check.details
