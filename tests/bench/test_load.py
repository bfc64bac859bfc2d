"""The load generator's two modes, against fake operations (no server)."""

from __future__ import annotations

import asyncio

import pytest
from bench.load import closed, open_loop, schedule
from bench.stats import percentile


def test_open_mode_schedules_sends_at_fixed_intervals() -> None:
    assert schedule(4, 1) == [0.0, 0.25, 0.5, 0.75]
    assert len(schedule(1000, 2.5)) == 2500
    with pytest.raises(ValueError, match="positive"):
        schedule(0, 1)


async def test_open_mode_sends_on_schedule_whatever_the_server_does() -> None:
    started: list[int] = []

    async def op(i: int) -> bool:
        started.append(i)
        await asyncio.sleep(0.2)  # much slower than the arrival interval
        return True

    _, failed, elapsed, lag = await open_loop(op, rate=100, duration=0.5)
    assert sorted(started) == list(range(50))  # every arrival was sent, none waited
    assert failed == 0
    assert lag < 0.05
    assert 0.65 <= elapsed < 1.0


async def test_open_mode_counts_queueing_from_the_scheduled_time() -> None:
    """A server that handles one request at a time, 10 ms each, offered 200/s (twice what it
    can do): the backlog grows, and the latency says so. A closed loop at the same server
    reports ~10 ms (coordinated omission); the open loop must not."""
    server = asyncio.Lock()

    async def op(i: int) -> bool:
        async with server:
            await asyncio.sleep(0.01)
        return True

    latencies, _, _, _ = await open_loop(op, rate=200, duration=0.5)
    assert len(latencies) == 100
    # 100 requests need >= 1 s of service: the last waits ~0.5 s past its scheduled time.
    assert max(latencies) > 0.4
    assert percentile(latencies, 50) > 0.15

    closed_latencies, _, _ = await closed(op, concurrency=1, duration=0.3)
    assert percentile(closed_latencies, 99) < 0.05


async def test_open_mode_gives_up_on_operations_after_the_grace_period() -> None:
    async def op(i: int) -> bool:
        await asyncio.sleep(10 if i == 0 else 0)
        return True

    latencies, failed, elapsed, _ = await open_loop(op, rate=10, duration=0.3, grace=0.2)
    assert len(latencies) == 3
    assert failed == 1
    assert elapsed < 1.0


async def test_closed_mode_keeps_a_fixed_number_of_operations_in_flight() -> None:
    in_flight = 0
    most = 0

    async def op(i: int) -> bool:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return i % 2 == 0

    latencies, failed, elapsed = await closed(op, concurrency=4, duration=0.2)
    assert most == 4
    assert len(latencies) >= 40
    assert failed in (len(latencies) // 2, (len(latencies) + 1) // 2)
    assert 0.2 <= elapsed < 0.5
