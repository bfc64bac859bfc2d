from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Shop
from tests.inventory.helpers import (
    act,
    new_product_id,
    new_reservation_id,
    reserve,
    set_stock,
    stock_of,
)

SERVICES = ["users", "inventory"]


@pytest.fixture(scope="module")
async def service_token(shop: Shop) -> str:
    return await shop.service_token("inventory")


async def _levels(shop: Shop, *product_ids: int) -> list[tuple[int, int]]:
    return [
        (level["available"], level["reserved"])
        for level in [await stock_of(shop, p) for p in product_ids]
    ]


async def test_reserve_moves_stock_to_reserved(shop: Shop, service_token: str) -> None:
    a, b = new_product_id(), new_product_id()
    await set_stock(shop, a, 10)
    await set_stock(shop, b, 5)
    response = await reserve(shop, service_token, [(a, 3), (b, 5)])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "active"
    assert body["lines"] == [{"product_id": a, "quantity": 3}, {"product_id": b, "quantity": 5}]
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(seconds=890) < expires_at - datetime.now(UTC) <= timedelta(seconds=900)
    assert await _levels(shop, a, b) == [(7, 3), (0, 5)]


async def test_duplicate_products_are_merged(shop: Shop, service_token: str) -> None:
    a = new_product_id()
    await set_stock(shop, a, 10)
    response = await reserve(shop, service_token, [(a, 2), (a, 3)])
    assert response.status_code == 201
    assert response.json()["lines"] == [{"product_id": a, "quantity": 5}]
    assert await _levels(shop, a) == [(5, 5)]


async def test_all_or_nothing(shop: Shop, service_token: str) -> None:
    a, b = new_product_id(), new_product_id()
    await set_stock(shop, a, 10)
    await set_stock(shop, b, 1)
    response = await reserve(shop, service_token, [(a, 4), (b, 2)])
    assert response.status_code == 409
    assert response.json() == {"detail": f"Insufficient stock for product {b}"}
    assert await _levels(shop, a, b) == [(10, 0), (1, 0)]


async def test_unknown_product_is_insufficient(shop: Shop, service_token: str) -> None:
    missing = new_product_id()
    response = await reserve(shop, service_token, [(missing, 1)])
    assert response.status_code == 409
    assert response.json()["detail"] == f"Insufficient stock for product {missing}"


async def test_failed_reservation_id_can_be_used_again(shop: Shop, service_token: str) -> None:
    a = new_product_id()
    await set_stock(shop, a, 1)
    rid = new_reservation_id()
    assert (await reserve(shop, service_token, [(a, 2)], rid)).status_code == 409
    assert (await reserve(shop, service_token, [(a, 1)], rid)).status_code == 201


async def test_replay_is_idempotent(shop: Shop, service_token: str) -> None:
    a, b = new_product_id(), new_product_id()
    await set_stock(shop, a, 10)
    await set_stock(shop, b, 10)
    rid = new_reservation_id()
    first = await reserve(shop, service_token, [(a, 2), (b, 1)], rid)
    assert first.status_code == 201
    # Same lines in another order and split differently: still the same reservation.
    again = await reserve(shop, service_token, [(b, 1), (a, 1), (a, 1)], rid)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert await _levels(shop, a, b) == [(8, 2), (9, 1)]
    other = await reserve(shop, service_token, [(a, 3)], rid)
    assert other.status_code == 409
    assert "different lines" in other.json()["detail"]


async def test_get_reservation(shop: Shop, service_token: str) -> None:
    a = new_product_id()
    await set_stock(shop, a, 3)
    rid = new_reservation_id()
    created = (await reserve(shop, service_token, [(a, 1)], rid)).json()
    response = await shop.call("inventory", "GET", f"/reservations/{rid}", service_token)
    assert response.status_code == 200
    assert response.json() == created
    missing = await shop.call("inventory", "GET", "/reservations/nope", service_token)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Reservation not found"}


async def test_custom_ttl(shop: Shop, service_token: str) -> None:
    a = new_product_id()
    await set_stock(shop, a, 3)
    response = await reserve(shop, service_token, [(a, 1)], ttl_seconds=60)
    expires_at = datetime.fromisoformat(response.json()["expires_at"])
    assert expires_at - datetime.now(UTC) <= timedelta(seconds=60)


async def test_commit_then_restock(shop: Shop, service_token: str) -> None:
    a = new_product_id()
    await set_stock(shop, a, 10)
    rid = new_reservation_id()
    await reserve(shop, service_token, [(a, 4)], rid)
    committed = await act(shop, service_token, rid, "commit")
    assert committed.status_code == 200
    assert committed.json()["status"] == "committed"
    assert await _levels(shop, a) == [(6, 0)]  # the units left the warehouse
    assert (await act(shop, service_token, rid, "commit")).status_code == 200  # idempotent
    assert await _levels(shop, a) == [(6, 0)]
    release = await act(shop, service_token, rid, "release")
    assert release.status_code == 409
    assert release.json() == {"detail": "Reservation is committed; it cannot be released"}
    restocked = await act(shop, service_token, rid, "restock")
    assert restocked.status_code == 200
    assert restocked.json()["status"] == "restocked"
    assert await _levels(shop, a) == [(10, 0)]
    assert (await act(shop, service_token, rid, "restock")).status_code == 200
    assert await _levels(shop, a) == [(10, 0)]  # returned once only
    assert (await act(shop, service_token, rid, "commit")).status_code == 409


async def test_release_returns_stock_once(shop: Shop, service_token: str) -> None:
    a = new_product_id()
    await set_stock(shop, a, 10)
    rid = new_reservation_id()
    await reserve(shop, service_token, [(a, 4)], rid)
    released = await act(shop, service_token, rid, "release")
    assert released.status_code == 200
    assert released.json()["status"] == "released"
    assert (await act(shop, service_token, rid, "release")).status_code == 200
    assert await _levels(shop, a) == [(10, 0)]
    commit = await act(shop, service_token, rid, "commit")
    assert commit.status_code == 409
    assert commit.json() == {"detail": "Reservation is released; it cannot be committed"}
    restock = await act(shop, service_token, rid, "restock")
    assert restock.status_code == 409


async def test_restock_of_an_active_reservation_is_409(shop: Shop, service_token: str) -> None:
    a = new_product_id()
    await set_stock(shop, a, 2)
    rid = new_reservation_id()
    await reserve(shop, service_token, [(a, 1)], rid)
    response = await act(shop, service_token, rid, "restock")
    assert response.status_code == 409
    assert response.json() == {"detail": "Reservation is active; it cannot be restocked"}


@pytest.mark.parametrize("action", ["commit", "release", "restock"])
async def test_actions_on_unknown_reservations_are_404(
    shop: Shop, service_token: str, action: str
) -> None:
    response = await act(shop, service_token, new_reservation_id(), action)
    assert response.status_code == 404


async def test_concurrent_releases_return_stock_once(shop: Shop, service_token: str) -> None:
    a = new_product_id()
    await set_stock(shop, a, 10)
    rid = new_reservation_id()
    await reserve(shop, service_token, [(a, 5)], rid)
    results = await asyncio.gather(*(act(shop, service_token, rid, "release") for _ in range(10)))
    assert {r.status_code for r in results} == {200}
    assert await _levels(shop, a) == [(10, 0)]


async def test_reservation_routes_are_internal(shop: Shop) -> None:
    a = new_product_id()
    body = {"reservation_id": new_reservation_id(), "lines": [{"product_id": a, "quantity": 1}]}
    anonymous = await shop.call("inventory", "POST", "/reservations", json=body)
    assert anonymous.status_code == 401
    _, customer = await shop.new_customer()
    forbidden = await shop.call("inventory", "POST", "/reservations", customer, json=body)
    assert forbidden.status_code == 403
    for path in (f"/reservations/{body['reservation_id']}/{x}" for x in ("commit", "release")):
        assert (await shop.call("inventory", "POST", path, customer)).status_code == 403
    get = await shop.call("inventory", "GET", f"/reservations/{body['reservation_id']}", customer)
    assert get.status_code == 403
    admin = await shop.call("inventory", "POST", "/reservations", shop.admin_token, json=body)
    assert admin.status_code == 409  # allowed, but there is no stock


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reservation_id": "res-ok",
        "lines": [{"product_id": 1, "quantity": 1}],
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    "body",
    [
        _body(lines=[]),
        _body(lines=[{"product_id": 1, "quantity": 0}]),
        _body(lines=[{"product_id": 1, "quantity": -1}]),
        _body(lines=[{"product_id": 1, "quantity": 1001}]),
        _body(lines=[{"product_id": 1, "quantity": "2"}]),
        _body(lines=[{"product_id": 1, "quantity": 1.5}]),
        _body(lines=[{"product_id": 0, "quantity": 1}]),
        _body(lines=[{"product_id": 2**64, "quantity": 1}]),
        _body(lines=[{"product_id": 1}]),
        _body(lines=[{"product_id": i, "quantity": 1} for i in range(1, 102)]),
        _body(lines="1x2"),
        _body(reservation_id=""),
        _body(reservation_id="x" * 101),
        _body(reservation_id="has space"),
        _body(reservation_id=5),
        _body(ttl_seconds=0),
        _body(ttl_seconds=86401),
        _body(ttl_seconds="soon"),
        {"lines": [{"product_id": 1, "quantity": 1}]},
    ],
)
async def test_bad_reservations_are_422(
    shop: Shop, service_token: str, body: dict[str, Any]
) -> None:
    response = await shop.call("inventory", "POST", "/reservations", service_token, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("Invalid request")


async def test_malformed_reservation_json_is_400(shop: Shop, service_token: str) -> None:
    response = await shop.call(
        "inventory",
        "POST",
        "/reservations",
        service_token,
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
