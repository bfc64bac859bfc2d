"""Several instances of a service behind the gateway (`ECART_CATALOG_URL=a,b`): requests
go round-robin, an instance whose `/ready` fails is skipped until it answers again, and a
request that cannot have reached its instance is sent to another one; one that may have
reached it is sent again only when that is safe (idempotent method, body replayable)."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import httpx

from tests.gateway.instances import (
    Instance,
    closed_url,
    dropping,
    eventually,
    gateway_over_sockets,
    serving,
)

FAST = {"instance_check_seconds": 0.05}
RARE = {"instance_check_seconds": 60}  # one check at start, none during the test


async def _checked_once(proxy: Any, url: str) -> None:
    """Waits for the check at start to take `url` out (it is not a ready instance)."""
    catalog = proxy.instances["catalog"]
    await eventually(lambda: url not in catalog.ready)


def _next_goes_to(proxy: Any, url: str) -> None:
    """The next request goes to `url` first: as if it failed since the last check."""
    proxy.instances["catalog"].ready = {url}


def _requests(heads: list[bytes]) -> list[bytes]:
    return [head for head in heads if not head.startswith(b"GET /ready ")]


async def _instances_answering(client: httpx.AsyncClient, count: int) -> list[str]:
    names = []
    for _ in range(count):
        response = await client.get("/api/catalog/products")
        assert response.status_code == 200, response.text
        names.append(response.json()["instance"])
    return names


async def test_requests_go_round_robin() -> None:
    async with (
        serving(Instance("a")) as a,
        serving(Instance("b")) as b,
        gateway_over_sockets([a.url, b.url], **RARE) as (client, _),
    ):
        names = await _instances_answering(client, 6)
    assert Counter(names) == {"a": 3, "b": 3}
    assert all(first != second for first, second in itertools.pairwise(names))


async def test_an_instance_that_is_not_ready_gets_nothing_until_it_is_again() -> None:
    async with (
        serving(Instance("a")) as a,
        serving(Instance("b")) as b,
        gateway_over_sockets([a.url, b.url], **FAST) as (client, proxy),
    ):
        catalog = proxy.instances["catalog"]
        b.ready = False
        await eventually(lambda: catalog.ready == {a.url})
        assert set(await _instances_answering(client, 4)) == {"a"}

        b.ready = True
        await eventually(lambda: catalog.ready == {a.url, b.url})
        assert Counter(await _instances_answering(client, 4)) == {"a": 2, "b": 2}


async def test_when_no_instance_is_ready_requests_still_go_to_them() -> None:
    # Better a request that may fail (the service says why) than a refusal that surely does.
    async with (
        serving(Instance("a")) as a,
        serving(Instance("b")) as b,
        gateway_over_sockets([a.url, b.url], **FAST) as (client, proxy),
    ):
        a.ready = b.ready = False
        await eventually(lambda: not proxy.instances["catalog"].ready)
        assert Counter(await _instances_answering(client, 4)) == {"a": 2, "b": 2}


async def test_a_refused_connection_is_retried_on_another_instance_whatever_the_method() -> None:
    gone = closed_url()
    async with (
        serving(Instance("a")) as a,
        gateway_over_sockets([gone, a.url], **RARE) as (client, proxy),
    ):
        await _checked_once(proxy, gone)
        answers = []
        for n in range(3):
            _next_goes_to(proxy, gone)
            answers.append(await client.post("/api/catalog/products", json={"n": n}))
        ready = proxy.instances["catalog"].ready
    assert [answer.status_code for answer in answers] == [200] * 3
    assert [answer.json()["instance"] for answer in answers] == ["a"] * 3
    # Every body arrived whole, once: a streamed body is sent again only when it never left.
    assert [body for _, _, body in a.received] == [b'{"n":%d}' % n for n in range(3)]
    assert ready == set()  # the refusing instance is out until a check finds it ready


async def test_the_instance_that_is_gone_is_taken_out_by_the_check() -> None:
    gone = closed_url()
    async with (
        serving(Instance("a")) as a,
        gateway_over_sockets([gone, a.url], **FAST) as (client, proxy),
    ):
        await eventually(lambda: proxy.instances["catalog"].ready == {a.url})
        assert set(await _instances_answering(client, 3)) == {"a"}


async def test_a_post_that_went_out_is_not_sent_again() -> None:
    async with (
        dropping() as (dropper, heads),
        serving(Instance("a")) as a,
        gateway_over_sockets([dropper, a.url], **RARE) as (client, proxy),
    ):
        await _checked_once(proxy, dropper)
        _next_goes_to(proxy, dropper)
        dropped = await client.post("/api/catalog/orders", json={"n": 1})
        after = await client.post("/api/catalog/orders", json={"n": 2})
    # Not sent again: the instance that dropped it may have acted on it (a second charge).
    assert dropped.status_code == 502
    assert dropped.json() == {"detail": "The catalog service is unavailable"}
    assert len(_requests(heads)) == 1
    # ... and the next one goes to the instance that answers.
    assert after.status_code == 200
    assert a.received == [("POST", "/orders", b'{"n":2}')]


async def test_an_idempotent_request_that_went_out_is_sent_again() -> None:
    async with (
        dropping() as (dropper, heads),
        serving(Instance("a")) as a,
        gateway_over_sockets([dropper, a.url], **RARE) as (client, proxy),
    ):
        await _checked_once(proxy, dropper)
        answers = []
        for method in ("GET", "DELETE", "OPTIONS"):
            _next_goes_to(proxy, dropper)
            answers.append(await client.request(method, "/api/catalog/products/1"))
    assert [answer.status_code for answer in answers] == [200] * 3
    assert len(_requests(heads)) == 3
    assert [method for method, _, _ in a.received] == ["GET", "DELETE", "OPTIONS"]


async def test_an_idempotent_request_with_a_streamed_body_is_not_sent_again() -> None:
    # A PUT with a Content-Length body is streamed through: once sent, it cannot be replayed.
    async with (
        dropping() as (dropper, heads),
        serving(Instance("a")) as a,
        gateway_over_sockets([dropper, a.url], **RARE) as (client, proxy),
    ):
        await _checked_once(proxy, dropper)
        _next_goes_to(proxy, dropper)
        response = await client.put("/api/catalog/products/1", json={"n": 1})
    assert response.status_code == 502
    assert len(_requests(heads)) == 1 and a.received == []


async def test_one_url_means_one_instance_and_no_checks() -> None:
    async with (
        serving(Instance("a")) as a,
        gateway_over_sockets([a.url], **FAST) as (client, proxy),
    ):
        a.ready = False  # nobody asks
        assert await _instances_answering(client, 2) == ["a", "a"]
    assert proxy.instances["catalog"].urls == (a.url,)
    assert [path for _, path, _ in a.received] == ["/products", "/products"]


async def test_a_refused_connection_with_one_url_is_a_502_as_before() -> None:
    async with gateway_over_sockets([closed_url()], **FAST) as (client, _):
        response = await client.post("/api/catalog/products", json={})
    assert response.status_code == 502
    assert response.json() == {"detail": "The catalog service is unavailable"}
