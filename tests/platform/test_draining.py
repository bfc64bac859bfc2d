"""Stopping without failing a request: on SIGTERM a process first says it is not ready
(`/ready` 503 "draining", `/health` still 200), keeps serving for
`ECART_SHUTDOWN_DELAY_SECONDS`, then stops accepting connections, finishes the requests in
flight and exits. Ctrl-C (SIGINT) and a second signal skip the delay."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from ecart.gateway.app import create_app as create_gateway
from ecart.gateway.config import GatewaySettings
from ecart.local import GracefulStop
from ecart.platform.http.app import drain
from ecart.platform.runtime import Runtime
from tests.conftest import Shop

SERVICES = ["users"]
DELAY = 1.5


def _stop(delay: float) -> tuple[GracefulStop, list[Any], list[Any]]:
    apps = [SimpleNamespace(state=SimpleNamespace(draining=False)) for _ in range(2)]
    servers = [SimpleNamespace(should_exit=False, force_exit=False) for _ in range(2)]
    return GracefulStop(apps, servers, delay=delay), apps, servers  # type: ignore[arg-type]


async def test_sigterm_drains_first_and_stops_the_servers_after_the_delay() -> None:
    stop, apps, servers = _stop(0.2)
    stop.terminate()
    assert all(app.state.draining for app in apps)
    assert not any(server.should_exit for server in servers)
    await asyncio.sleep(0.3)
    assert all(server.should_exit for server in servers)
    assert not any(server.force_exit for server in servers)


async def test_a_second_signal_during_the_delay_skips_the_rest() -> None:
    for second in ("terminate", "interrupt"):
        stop, _, servers = _stop(60)
        stop.terminate()
        getattr(stop, second)()
        assert all(server.should_exit for server in servers)
        assert not any(server.force_exit for server in servers)  # in-flight still finish


async def test_ctrl_c_stops_at_once_but_still_drains() -> None:
    stop, apps, servers = _stop(60)
    stop.interrupt()
    assert all(app.state.draining for app in apps)
    assert all(server.should_exit for server in servers)


async def test_a_signal_while_stopping_cuts_the_in_flight_requests_short() -> None:
    stop, _, servers = _stop(0)
    stop.terminate()  # no delay: stops at once
    assert all(s.should_exit and not s.force_exit for s in servers)
    stop.terminate()
    assert all(server.force_exit for server in servers)


async def test_a_draining_service_is_not_ready_but_alive(shop: Shop) -> None:
    app = shop.platform.apps["users"]
    drain(app)
    try:
        ready = await shop.call("users", "GET", "/ready")
        health = await shop.call("users", "GET", "/health")
        served = await shop.call("users", "GET", "/.well-known/jwks.json")
    finally:
        app.state.draining = False
    assert ready.status_code == 503
    assert ready.json() == {"status": "draining", "service": "users"}
    assert health.status_code == 200
    assert served.status_code == 200
    assert (await shop.call("users", "GET", "/ready")).status_code == 200


async def test_a_draining_gateway_is_not_ready_but_alive() -> None:
    app = create_gateway(GatewaySettings(web_dir=None), Runtime(transport=None))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as gw,
    ):
        drain(app)
        ready = await gw.get("/ready")
        health = await gw.get("/health")
    assert ready.status_code == 503
    assert ready.json() == {"status": "draining", "service": "gateway"}
    assert health.status_code == 200


# A real process and a real signal: what Kubernetes and the resilience scenario do.


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _serving_users(tmp_path: Path, delay: float) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECART_")}
    env.update(
        ECART_DATA_DIR=str(tmp_path),
        ECART_SEED_DEMO_DATA="false",
        ECART_USERS_PORT=str(port),
        ECART_USERS_URL=f"http://127.0.0.1:{port}",
        ECART_SHUTDOWN_DELAY_SECONDS=str(delay),
        ECART_LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "ecart", "serve", "users"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(port, "/ready"):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "users did not start"
            time.sleep(0.1)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _answers(port: int, path: str) -> int | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code
    except httpx.TransportError:
        return None


def _start_request(port: int, body: bytes) -> socket.socket:
    """A registration whose body is only half sent: a request in flight."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (
        f"POST /auth/register HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body[:10])
    return sock


def _finish_request(sock: socket.socket, body: bytes) -> bytes:
    sock.sendall(body[10:])
    answer = b""
    while chunk := sock.recv(65536):  # the server closes it: it is stopping
        answer += chunk
    sock.close()
    return answer


@pytest.mark.slow
def test_sigterm_fails_no_request(tmp_path: Path) -> None:
    body = json.dumps(
        {"email": "draining@example.com", "password": "a long enough passphrase", "name": "D"}
    ).encode()
    with _serving_users(tmp_path, DELAY) as (process, port):
        in_flight = _start_request(port, body)
        time.sleep(0.2)  # the server has read the head: the request is in flight
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        # Draining: not ready, alive, and still serving new connections.
        assert _answers(port, "/ready") == 503
        assert _answers(port, "/health") == 200
        assert _answers(port, "/.well-known/jwks.json") == 200
        # After the delay: no new connections, but the process waits for the one in flight.
        while _answers(port, "/health") is not None:
            assert time.monotonic() - signalled < DELAY + 3
            time.sleep(0.05)
        assert time.monotonic() - signalled >= DELAY
        assert process.poll() is None
        answer = _finish_request(in_flight, body)
        assert answer.startswith(b"HTTP/1.1 201 "), answer
        assert process.wait(timeout=15) == 0
