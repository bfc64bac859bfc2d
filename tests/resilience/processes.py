"""The shop under test as real `ecart up <services…>` processes, started and stopped only by
PID (SIGTERM, then SIGKILL after a timeout), never by name.

A `Topology` is one shop (one `bench.shop.Identity`: URLs, signing key, client secrets)
split over named processes, e.g. `{"core": [...every service but payment], "payment":
["payment"]}`; `ecart up` sends calls to services it does not host over real sockets, so
pointing `ECART_PAYMENT_URL` at a fault proxy puts the proxy between order and payment.
Processes share events only through Kafka, so a topology of more than one process runs on
the production backends (`bench.shop.Production`: fresh databases and a namespace per run).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bench.shop import ROOT, Identity, Production, Shop, authenticate

from tests.backends import Backend

# Small pools: seven services must fit next to whatever else uses the test PostgreSQL.
POOL = {"size": "3", "overflow": "3"}
DATABASE_SERVICES = ("users", "catalog", "inventory", "cart", "order", "payment", "notifications")


class NotReady(AssertionError):
    pass


@dataclass
class Process:
    """One `ecart up <services…>` this test started (or will start)."""

    name: str
    services: tuple[str, ...]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was never started"
        return self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        assert not self.running, f"{self.name} is already running (pid {self.pid})"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "-m", "ecart", "up", *self.services],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        self.starts += 1

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` s; returns the exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        return self.popen.returncode

    def kill(self) -> None:
        """SIGKILL at once (a crash: no shutdown code runs)."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Topology:
    """One shop over several processes; `shop` mints tokens and holds the admin's headers."""

    identity: Identity
    data_dir: Path
    processes: dict[str, Process]
    database_urls: dict[str, str] = field(default_factory=dict)
    backend: str = "embedded"
    shop: Shop | None = None

    @property
    def urls(self) -> dict[str, str]:
        """Where the test reaches each service directly (not through any proxy)."""
        return dict(self.identity.urls)

    def database_url(self, service: str) -> str:
        return self.database_urls.get(service) or (
            f"sqlite+aiosqlite:///{self.data_dir / f'{service}.db'}"
        )

    @property
    def databases(self) -> dict[str, str]:
        """Every service's database URL (PostgreSQL, or the SQLite files of the data dir)."""
        return {name: self.database_url(name) for name in DATABASE_SERVICES}

    def host_of(self, service: str) -> Process:
        return next(p for p in self.processes.values() if service in p.services)

    async def start(self, name: str, limit: float = 60.0) -> None:
        process = self.processes[name]
        process.start()
        await self.wait_ready(name, limit)

    async def wait_ready(self, name: str, limit: float = 60.0) -> float:
        """Seconds until every service of process `name` answers `/ready` 200."""
        process = self.processes[name]
        pending = {s: self.identity.urls[s] for s in process.services}
        started = time.perf_counter()
        async with httpx.AsyncClient(timeout=2) as http:
            while pending:
                if not process.running:
                    raise NotReady(f"{name} exited while starting:\n{process.log_tail()}")
                if time.perf_counter() - started > limit:
                    raise NotReady(f"{name}: {sorted(pending)} not ready in {limit:.0f} s")
                for service, url in list(pending.items()):
                    with contextlib.suppress(httpx.TransportError):
                        if (await http.get(f"{url}/ready")).status_code == 200:
                            del pending[service]
                if pending:
                    await asyncio.sleep(0.1)
        return time.perf_counter() - started

    def stop_all(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()


@contextlib.asynccontextmanager
async def running_topology(
    data_dir: Path,
    groups: Mapping[str, Sequence[str]],
    *,
    production: Backend | None,
    namespace: str,
    settings: Mapping[str, str] | None = None,
    process_settings: Mapping[str, Mapping[str, str]] | None = None,
    identity: Identity | None = None,
) -> AsyncIterator[Topology]:
    """Starts every group as `ecart up <services…>` (in order), waits until each is ready,
    logs the admin in; stops them all (and drops the run's databases and namespace) after.
    `settings` go to every process, `process_settings[name]` to one."""
    identity = identity or Identity.new()
    prod = Production(production, namespace=namespace) if production else None
    try:
        extra: dict[str, str] = await prod.create() if prod else {}
        if prod:
            for name in DATABASE_SERVICES:
                extra[f"ECART_{name.upper()}_DB_POOL_SIZE"] = POOL["size"]
                extra[f"ECART_{name.upper()}_DB_MAX_OVERFLOW"] = POOL["overflow"]
        extra.update(settings or {})
        processes = {
            name: Process(
                name,
                tuple(services),
                identity.env(
                    data_dir, {**extra, **(process_settings or {}).get(name, {})}, seed_demo=False
                ),
                data_dir / f"{name}.log",
            )
            for name, services in groups.items()
        }
        topology = Topology(
            identity,
            data_dir,
            processes,
            database_urls=dict(prod.urls) if prod else {},
            backend="production" if prod else "embedded",
        )
        try:
            for name in processes:
                await topology.start(name)
            first = next(iter(processes.values()))
            assert first.popen is not None
            shop = Shop(
                first.popen,
                identity.urls,
                data_dir,
                identity.key,
                identity.client_secrets,
                topology.backend,
            )
            await authenticate(shop)
            topology.shop = shop
            yield topology
        finally:
            topology.stop_all()
    finally:
        if prod:
            await prod.drop()


def production_backend() -> Backend | None:
    """The servers `make services` started, from `ECART_TEST_*` (None when unset)."""
    from tests.backends import backend_from

    environ = dict(os.environ)
    if not (environ.get("ECART_TEST_KAFKA") and environ.get("ECART_TEST_REDIS")):
        return None
    if not environ.get("ECART_TEST_POSTGRES_URL"):
        return None
    return backend_from("production", environ)
