"""The load generator: an HTTP client and the two modes.

- closed: `concurrency` virtual users, each sending its next operation when the previous
  one answers (max throughput; latency is service time under that concurrency).
- open: operations start on a fixed schedule (`rate` per second) whatever the server does,
  and latency runs from the *scheduled* start, so a stalled server shows up as latency
  instead of as fewer requests (no coordinated omission).

An operation is an async callable `op(i) -> bool` (i = its sequence number) that sends one or
more requests through `Client` and says whether it succeeded.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

try:  # aiohttp costs far less client CPU per request than httpx; httpx is the fallback.
    import aiohttp
except ImportError:  # pragma: no cover - depends on the environment
    aiohttp = None  # type: ignore[assignment]
import httpx

from bench.stats import Result

Op = Callable[[int], Awaitable[bool]]
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError, httpx.TransportError)
if aiohttp is not None:
    TRANSPORT_ERRORS += (aiohttp.ClientError,)


class Client:
    """A pooled keep-alive HTTP client that counts every answer's status (0: no answer)."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.statuses: Counter[int] = Counter()
        self.timeout = timeout
        self.engine = "aiohttp" if aiohttp is not None else "httpx"
        self._aiohttp: Any = None
        self._httpx: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Client:
        if aiohttp is not None:
            # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes
            # them under us (a reused, already closed connection is a status-0 error).
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=None, keepalive_timeout=3.0)
            self._aiohttp = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        else:
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=1000)
            self._httpx = httpx.AsyncClient(timeout=self.timeout, limits=limits)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._aiohttp is not None:
            await self._aiohttp.close()
        if self._httpx is not None:
            await self._httpx.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """(status, parsed JSON body or None)."""
        try:
            if self._aiohttp is not None:
                async with self._aiohttp.request(
                    method, url, json=json, data=data, headers=headers
                ) as response:
                    body = await response.read()
                    status = int(response.status)
            else:
                assert self._httpx is not None
                answer = await self._httpx.request(
                    method, url, json=json, data=data, headers=headers
                )
                body, status = answer.content, answer.status_code
        except TRANSPORT_ERRORS:
            self.statuses[0] += 1
            return 0, None
        self.statuses[status] += 1
        return status, _parse(body)

    def take_statuses(self) -> Counter[int]:
        taken, self.statuses = self.statuses, Counter()
        return taken


def _parse(body: bytes) -> Any:
    try:
        return jsonlib.loads(body) if body else None
    except ValueError:
        return None


async def closed(op: Op, *, concurrency: int, duration: float) -> tuple[list[float], int, float]:
    """Runs `op` from `concurrency` loops for `duration` s: (latencies, failed, elapsed)."""
    latencies: list[float] = []
    failed = 0
    counter = iter(range(1 << 62))
    started = time.perf_counter()
    deadline = started + duration

    async def user() -> None:
        nonlocal failed
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            ok = await op(next(counter))
            latencies.append(time.perf_counter() - t0)
            failed += not ok

    await asyncio.gather(*(user() for _ in range(concurrency)))
    return latencies, failed, time.perf_counter() - started


def schedule(rate: float, duration: float) -> list[float]:
    """Offsets (s from the start) at which an open-mode run starts its operations."""
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration must be positive")
    return [i / rate for i in range(int(rate * duration))]


async def open_loop(
    op: Op, *, rate: float, duration: float, grace: float = 30.0
) -> tuple[list[float], int, float, float]:
    """Starts `op` at each scheduled instant; latency = answer time - scheduled time.
    Returns (latencies, failed, elapsed, worst lag of the generator behind its schedule);
    operations still running `grace` s after the last send count as failed with their
    latency so far."""
    offsets = schedule(rate, duration)
    latencies: list[float] = []
    failed = 0
    lag = 0.0
    tasks: set[asyncio.Task[None]] = set()
    start = time.perf_counter()

    async def one(i: int, due: float) -> None:
        nonlocal failed
        try:
            ok = await op(i)
        except asyncio.CancelledError:
            ok = False
        latencies.append(time.perf_counter() - due)
        failed += not ok

    for i, offset in enumerate(offsets):
        due = start + offset
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag = max(lag, time.perf_counter() - due)
        task = asyncio.create_task(one(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        _, pending = await asyncio.wait(set(tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
    return latencies, failed, time.perf_counter() - start, lag


async def run(
    client: Client,
    op: Op,
    *,
    scenario: str,
    backend: str,
    mode: str,
    load: float,
    duration: float,
    server_pid: int | None = None,
) -> Result:
    """One run in `mode` ("closed": `load` = concurrency; "open": `load` = ops/s)."""
    client.take_statuses()
    extra: dict[str, Any] = {"client": client.engine}
    cpu = time.process_time()
    server_cpu = cpu_seconds(server_pid) if server_pid else 0.0
    if mode == "closed":
        latencies, failed, elapsed = await closed(op, concurrency=int(load), duration=duration)
    elif mode == "open":
        latencies, failed, elapsed, lag = await open_loop(op, rate=load, duration=duration)
        extra["generator_lag_ms"] = round(lag * 1000, 2)
    else:
        raise ValueError(f"unknown mode {mode!r}")
    # Near 1.0 the load generator, not the server, is the bottleneck.
    extra["client_cpu"] = round((time.process_time() - cpu) / elapsed, 2)
    statuses = client.take_statuses()
    if server_pid:
        # The server's CPU per request does not depend on how fast the client is, nor on
        # network stalls: the capacity of one core is 1000 / server_cpu_ms_per_request.
        used = cpu_seconds(server_pid) - server_cpu
        extra["server_cpu"] = round(used / elapsed, 2)
        extra["server_cpu_ms_per_request"] = round(used * 1000 / max(1, sum(statuses.values())), 3)
    return Result(
        scenario=scenario,
        mode=mode,
        backend=backend,
        load=int(load) if mode == "closed" else load,
        duration=elapsed,
        latencies=latencies,
        statuses=statuses,
        failed_ops=failed,
        extra=extra,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a whole process (every thread), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
