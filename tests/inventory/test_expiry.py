from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import Shop, _start_shop
from tests.inventory.helpers import act, new_product_id, new_reservation_id, reserve, set_stock

SERVICES = ["users", "inventory"]


@pytest.fixture(scope="module")
async def quick_shop(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Shop]:
    """Reservations live 1 s and the sweeper runs every 0.1 s."""
    data_dir: Path = tmp_path_factory.mktemp("expiry")
    overrides = {"inventory": {"reservation_ttl_seconds": 1, "sweep_interval_seconds": 0.1}}
    async for running in _start_shop(data_dir, services=SERVICES, overrides=overrides):
        yield running


async def _status(shop: Shop, token: str, reservation_id: str) -> str:
    response = await shop.call("inventory", "GET", f"/reservations/{reservation_id}", token)
    return str(response.json()["status"])


async def _wait_for_status(shop: Shop, token: str, reservation_id: str, status: str) -> None:
    for _ in range(60):
        if await _status(shop, token, reservation_id) == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{reservation_id} never became {status}")


async def test_overdue_reservations_expire_and_return_stock(quick_shop: Shop) -> None:
    token = await quick_shop.service_token("inventory")
    product_id = new_product_id()
    await set_stock(quick_shop, product_id, 5)
    rid = new_reservation_id()
    assert (await reserve(quick_shop, token, [(product_id, 2)], rid)).status_code == 201

    await _wait_for_status(quick_shop, token, rid, "expired")

    level = (await quick_shop.call("inventory", "GET", f"/stock/{product_id}")).json()
    assert (level["available"], level["reserved"]) == (5, 0)
    for _ in range(100):
        expired = [m for m in quick_shop.messages("inventory-events") if m.key == rid]
        if expired:
            break
        await asyncio.sleep(0.05)
    assert [json.loads(m.value)["data"] for m in expired] == [{"reservation_id": rid}]
    # An expired reservation can be released (no-op) but not committed.
    assert (await act(quick_shop, token, rid, "release")).status_code == 200
    commit = await act(quick_shop, token, rid, "commit")
    assert commit.status_code == 409
    assert commit.json() == {"detail": "Reservation is expired; it cannot be committed"}
    assert (level["available"], level["reserved"]) == (5, 0)


async def test_committed_reservations_never_expire(quick_shop: Shop) -> None:
    token = await quick_shop.service_token("inventory")
    product_id = new_product_id()
    await set_stock(quick_shop, product_id, 5)
    rid = new_reservation_id()
    await reserve(quick_shop, token, [(product_id, 2)], rid)
    assert (await act(quick_shop, token, rid, "commit")).status_code == 200
    await asyncio.sleep(1.3)
    assert await _status(quick_shop, token, rid) == "committed"
    level = (await quick_shop.call("inventory", "GET", f"/stock/{product_id}")).json()
    assert (level["available"], level["reserved"]) == (3, 0)


async def test_ttl_in_the_request_wins(quick_shop: Shop) -> None:
    token = await quick_shop.service_token("inventory")
    product_id = new_product_id()
    await set_stock(quick_shop, product_id, 5)
    rid = new_reservation_id()
    await reserve(quick_shop, token, [(product_id, 1)], rid, ttl_seconds=60)
    await asyncio.sleep(1.3)
    assert await _status(quick_shop, token, rid) == "active"


@pytest.fixture(scope="module")
async def unswept_shop(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Shop]:
    """A sweeper that never gets to run during the test."""
    data_dir: Path = tmp_path_factory.mktemp("unswept")
    overrides = {"inventory": {"sweep_interval_seconds": 3600}}
    async for running in _start_shop(data_dir, services=SERVICES, overrides=overrides):
        yield running


async def test_an_overdue_reservation_cannot_be_committed(unswept_shop: Shop) -> None:
    shop = unswept_shop
    token = await shop.service_token("inventory")
    product_id = new_product_id()
    await set_stock(shop, product_id, 5)
    rid = new_reservation_id()
    await reserve(shop, token, [(product_id, 2)], rid, ttl_seconds=1)
    await asyncio.sleep(1.1)

    commit = await act(shop, token, rid, "commit")

    assert commit.status_code == 409
    assert commit.json() == {"detail": "Reservation expired; it cannot be committed"}
    assert await _status(shop, token, rid) == "expired"
    level = (await shop.call("inventory", "GET", f"/stock/{product_id}")).json()
    assert (level["available"], level["reserved"]) == (5, 0)
