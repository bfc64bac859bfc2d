"""Start-up when Kafka cannot be reached: the bus waits `connect_timeout`, then says so in
one line, and `ecart up` exits 1 (no broker needed: nothing listens on the port)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ecart.platform.bus import BusUnavailable
from ecart.platform.kafka_bus import KafkaBus


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_broker_is_retried_then_reported() -> None:
    servers = f"127.0.0.1:{closed_port()}"
    bus = KafkaBus(servers, connect_timeout=1.0)
    started = asyncio.get_running_loop().time()
    with pytest.raises(BusUnavailable, match=f"cannot reach Kafka at {servers}"):
        await bus.start()
    waited = asyncio.get_running_loop().time() - started
    assert 1.0 <= waited < 6.0  # kept trying for the whole timeout, then gave up
    await bus.stop()  # nothing was left half-open


def test_ecart_up_exits_1_with_the_reason(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECART_")}
    env.update(
        ECART_DATA_DIR=str(tmp_path),
        ECART_BUS="kafka",
        ECART_KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{closed_port()}",
        ECART_KAFKA_CONNECT_TIMEOUT_SECONDS="0.5",
        ECART_SEED_DEMO_DATA="false",
        ECART_USERS_PORT=str(closed_port()),
        COLUMNS="200",
    )
    result = subprocess.run(
        [sys.executable, "-m", "ecart", "up", "users"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cannot reach Kafka" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
