"""Service-to-service client: retries only idempotent calls, and the circuit breaker counts
timeouts, connection errors and 5xx — never a 4xx answer."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from ecart.platform.http.client import CircuitBreaker, CircuitOpen, ServiceClient
from ecart.platform.http.errors import ServiceUnavailable
from ecart.platform.logs import request_id_var


class ScriptedServer:
    """An httpx transport answering from a script of statuses (or raising connect errors)."""

    def __init__(self, script: list[int | str]) -> None:
        self.script = list(script)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.last_request = request
        step = self.script.pop(0) if self.script else 200
        if step == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if step == "slow":
            raise httpx.ReadTimeout("timed out", request=request)
        assert isinstance(step, int)
        return httpx.Response(step, json={"detail": f"status {step}"})


def _client(server: ScriptedServer, threshold: int = 5) -> ServiceClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    breaker = CircuitBreaker("inventory", threshold=threshold, reset_seconds=60)
    return ServiceClient("inventory", "http://inventory", http, tokens=None, breaker=breaker)


async def test_idempotent_call_is_retried_through_5xx_and_connection_errors() -> None:
    server = ScriptedServer([503, "down", 200])
    response = await _client(server).request("GET", "/stock/1")
    assert response.status_code == 200
    assert server.calls == 3


async def test_non_idempotent_call_is_not_retried() -> None:
    server = ScriptedServer([503, 200])
    with pytest.raises(ServiceUnavailable, match="inventory service unavailable"):
        await _client(server).request("POST", "/reservations", json={})
    assert server.calls == 1


async def test_post_marked_idempotent_is_retried() -> None:
    server = ScriptedServer(["slow", 201])
    response = await _client(server).request("POST", "/reservations", idempotent=True)
    assert response.status_code == 201


async def test_4xx_is_returned_and_never_opens_the_breaker() -> None:
    server = ScriptedServer([409] * 10)
    client = _client(server, threshold=2)
    for _ in range(10):
        assert (await client.request("POST", "/reservations")).status_code == 409
    assert client.breaker.state == "closed"


async def test_breaker_opens_after_failures_and_then_fails_fast() -> None:
    server = ScriptedServer([500] * 4)
    client = _client(server, threshold=2)
    for _ in range(2):
        with pytest.raises(ServiceUnavailable):
            await client.request("POST", "/x")
    assert client.breaker.state == "open"
    with pytest.raises(CircuitOpen):
        await client.request("POST", "/x")
    assert server.calls == 2  # the open breaker did not call the server


async def test_half_open_breaker_closes_after_a_successful_trial() -> None:
    breaker = CircuitBreaker("t", threshold=1, reset_seconds=0.01)
    breaker.record_failure()
    assert breaker.state == "open"
    await asyncio.sleep(0.02)
    assert breaker.state == "half-open"
    breaker.before_call()
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # only one trial at a time
    breaker.record_success()
    assert breaker.state == "closed"


async def test_request_id_travels_to_the_called_service() -> None:
    server = ScriptedServer([200])
    token = request_id_var.set("req-42")
    try:
        await _client(server).request("GET", "/stock/1")
    finally:
        request_id_var.reset(token)
    assert server.last_request.headers["x-request-id"] == "req-42"
