"""The fault proxy on its own, in front of a tiny echo server (no ecart, no servers)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.resilience.faultproxy import FaultProxy


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


_opened: list[asyncio.StreamWriter] = []


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    async with FaultProxy("127.0.0.1", port) as fault_proxy:
        yield fault_proxy
        while _opened:
            _opened.pop().close()
    server.close()
    await server.wait_closed()


async def _connect(proxy: FaultProxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    _opened.append(writer)
    return reader, writer


async def _roundtrip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes = b"ping"
) -> bytes:
    writer.write(payload)
    await writer.drain()
    return await asyncio.wait_for(reader.readexactly(len(payload)), 2)


async def test_pass_forwards_both_ways_and_counts_connections(proxy: FaultProxy) -> None:
    for n in range(3):
        reader, writer = await _connect(proxy)
        assert await _roundtrip(reader, writer, f"hello {n}".encode()) == f"hello {n}".encode()
    assert proxy.connections == 3


async def test_latency_delays_new_connections_and_each_chunk(proxy: FaultProxy) -> None:
    proxy.set("latency", 0.3)
    reader, writer = await _connect(proxy)
    started = time.perf_counter()
    assert await _roundtrip(reader, writer) == b"ping"
    # connecting upstream (0.3) + the request chunk (0.3) + the answer chunk (0.3)
    assert time.perf_counter() - started >= 0.85
    started = time.perf_counter()
    assert await _roundtrip(reader, writer) == b"ping"
    assert 0.55 <= time.perf_counter() - started < 1.5
    proxy.set("pass")
    started = time.perf_counter()
    assert await _roundtrip(reader, writer) == b"ping"
    assert time.perf_counter() - started < 0.2


async def test_drop_closes_new_and_existing_connections(proxy: FaultProxy) -> None:
    reader, writer = await _connect(proxy)
    assert await _roundtrip(reader, writer) == b"ping"
    proxy.set("drop")
    assert await asyncio.wait_for(reader.read(10), 2) == b""  # FIN on the open one
    reader, writer = await _connect(proxy)
    assert await asyncio.wait_for(reader.read(10), 2) == b""  # accepted, closed at once
    assert proxy.connections == 2


async def test_reset_sends_rst_to_new_and_existing_connections(proxy: FaultProxy) -> None:
    reader, writer = await _connect(proxy)
    assert await _roundtrip(reader, writer) == b"ping"
    proxy.set("reset")
    with pytest.raises(ConnectionResetError):
        await _use_after_reset(reader, writer)
    reader, writer = await _connect(proxy)
    with pytest.raises(ConnectionResetError):
        await _use_after_reset(reader, writer)


async def _use_after_reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    if await asyncio.wait_for(reader.read(10), 2) == b"":
        await _roundtrip(reader, writer)  # a RST may surface on the next send instead


async def test_blackhole_accepts_reads_and_never_answers(proxy: FaultProxy) -> None:
    reader, writer = await _connect(proxy)
    assert await _roundtrip(reader, writer) == b"ping"
    proxy.set("blackhole")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(_roundtrip(reader, writer), 0.5)  # the open one goes silent
    fresh_reader, fresh_writer = await _connect(proxy)
    fresh_writer.write(b"anyone?")
    await fresh_writer.drain()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(fresh_reader.read(10), 0.5)
    proxy.set("pass")
    fresh_reader, fresh_writer = await _connect(proxy)
    assert await _roundtrip(fresh_reader, fresh_writer) == b"ping"


async def test_unknown_mode_is_refused(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        proxy.set("flaky")
