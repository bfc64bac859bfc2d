"""Service-to-service calls balance like the gateway (one mechanism, `Instances`): calls go
round-robin over a target's URLs, and one refused by an instance goes to another, whatever
its method; a POST that may have reached its instance is not sent again."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from ecart.local import LocalPlatform
from ecart.platform.http.client import CircuitBreaker, ServiceClient, ServiceTokens
from ecart.platform.http.errors import ServiceUnavailable
from ecart.platform.http.instances import Instances
from ecart.platform.settings import PlatformSettings

A, B = "http://inventory-a:8006", "http://inventory-b:8006"


class Hosts:
    """Answers per host: `down` refuses the connection, `drop` breaks off after the request
    went out, anything else answers 200."""

    def __init__(self, **behaviour: str) -> None:
        self.behaviour = behaviour
        self.seen: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if request.url.path != "/ready":  # the background checks
            self.seen.append((host, request.method))
        match self.behaviour.get(host.replace("-", "_")):
            case "down":
                raise httpx.ConnectError("connection refused", request=request)
            case "drop":
                raise httpx.RemoteProtocolError("server disconnected", request=request)
        return httpx.Response(200, json={"host": host})


def _client(hosts: Hosts, urls: list[str]) -> ServiceClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(hosts))
    instances = Instances("inventory", urls, http, check_seconds=60)
    breaker = CircuitBreaker("inventory", threshold=5, reset_seconds=60)
    return ServiceClient("inventory", instances, http, tokens=None, breaker=breaker)


def test_settings_list_several_urls_and_url_of_is_the_first() -> None:
    settings = PlatformSettings(inventory_url=f" {A}/ ,{B},")
    assert settings.urls_of("inventory") == (A, B)
    assert settings.url_of("inventory") == A
    assert PlatformSettings(inventory_url=A).urls_of("inventory") == (A,)


async def test_calls_go_round_robin() -> None:
    hosts = Hosts()
    client = _client(hosts, [A, B])
    for _ in range(4):
        assert (await client.request("GET", "/stock/1")).status_code == 200
    assert Counter(host for host, _ in hosts.seen) == {"inventory-a": 2, "inventory-b": 2}
    await client.instances.close()


async def test_a_refused_post_goes_to_the_other_instance() -> None:
    hosts = Hosts(inventory_a="down")
    client = _client(hosts, [A, B])
    answers = [await client.request("POST", "/reservations", json={}) for _ in range(3)]
    assert [answer.json()["host"] for answer in answers] == ["inventory-b"] * 3
    assert client.breaker.failures == 0  # the target answered: nothing to count
    assert client.instances.ready == {B}
    await client.instances.close()


async def test_a_post_that_went_out_is_not_sent_again() -> None:
    hosts = Hosts(inventory_a="drop")
    client = _client(hosts, [A, B])
    with pytest.raises(ServiceUnavailable):
        await client.request("POST", "/reservations", json={})
    assert hosts.seen == [("inventory-a", "POST")]
    await client.instances.close()


async def test_service_tokens_come_from_any_users_instance() -> None:
    def users(request: httpx.Request) -> httpx.Response:
        if request.url.host == "users-a":
            raise httpx.ConnectError("connection refused", request=request)
        assert request.url.path == "/auth/token"
        return httpx.Response(200, json={"access_token": "t", "expires_in": 300})

    http = httpx.AsyncClient(transport=httpx.MockTransport(users))
    instances = Instances("users", ["http://users-a", "http://users-b"], http, check_seconds=60)
    assert await ServiceTokens(http, instances, "order", "secret").token() == "t"
    await instances.close()


def test_in_process_calls_reach_only_this_process_s_own_instance() -> None:
    own, other = "http://127.0.0.1:18005", "http://127.0.0.1:18015"
    platform = LocalPlatform(
        ["users"], common={"users_url": f"{other},{own}"}, overrides={"users": {"port": 18005}}
    )
    assert platform.transport is not None
    assert set(platform.transport.routes) == {("127.0.0.1", 18005)}  # the other: sockets
    single = LocalPlatform(["users"], common={"users_url": "http://users.internal:8005"})
    assert single.transport is not None
    assert set(single.transport.routes) == {("users.internal", 8005)}  # as before
