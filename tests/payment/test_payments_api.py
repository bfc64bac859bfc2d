from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from ecart.payment.events import TOPIC
from ecart.payment.service import RANDOM_KEY
from ecart.payment.store import payments
from ecart.platform.http.app import ServiceContext
from tests.conftest import Shop

SERVICES = ["users", "payment"]
CARD_NUMBER = "4242424242424242"


def _ctx(shop: Shop) -> ServiceContext:
    return cast(ServiceContext, shop.platform.apps["payment"].state.ctx)


async def _service(shop: Shop) -> str:
    return await shop.service_token("payment")


async def _pay(shop: Shop, token: str | None = None, **fields: Any) -> httpx.Response:
    body = {"order_id": 1, "amount": 19.99, "user_id": "1", "payment_method": "pm_card_success"}
    body.update(fields)
    token = token or await _service(shop)
    return await shop.call("payment", "POST", "/payments", token, json=body)


async def _paid(shop: Shop, **fields: Any) -> dict[str, Any]:
    response = await _pay(shop, **fields)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _events(shop: Shop, key: str, count: int) -> list[dict[str, Any]]:
    """The envelopes on payment-events with this key, once `count` of them are published."""
    found: list[dict[str, Any]] = []
    for _ in range(100):
        found = [json.loads(m.value) for m in shop.messages(TOPIC) if m.key == key]
        if len(found) >= count:
            break
        await asyncio.sleep(0.05)
    return found


@pytest.fixture
def draw(shop: Shop) -> Iterator[list[float]]:
    """Injects the provider's random source: each charge without a method takes the next
    value of the list."""
    values: list[float] = []
    _ctx(shop).state[RANDOM_KEY] = lambda: values.pop(0)
    yield values
    _ctx(shop).state.pop(RANDOM_KEY, None)


async def test_successful_payment(shop: Shop) -> None:
    response = await _pay(shop, order_id=7, amount=1999.98, user_id="42")
    assert response.status_code == 201, response.text
    payment = response.json()
    assert uuid.UUID(payment["id"]).version == 4
    assert payment == {
        "id": payment["id"],
        "order_id": 7,
        "user_id": "42",
        "amount": 1999.98,
        "status": "success",
        "payment_method": "pm_card_success",
        "created_at": payment["created_at"],
        "refunded_at": None,
        "attempt_key": None,
    }


async def test_declined_method_fails(shop: Shop) -> None:
    payment = await _paid(shop, payment_method="pm_card_declined", amount=10)
    assert payment["status"] == "failed"
    assert payment["amount"] == 10


async def test_unknown_method_is_422(shop: Shop) -> None:
    response = await _pay(shop, payment_method="pm_card_visa")
    assert response.status_code == 422
    assert response.json() == {"detail": "Unknown payment method"}


async def test_without_a_method_the_success_rate_decides(shop: Shop, draw: list[float]) -> None:
    draw.extend([0.1, 0.95, 0.8999, 0.9])
    statuses = [(await _paid(shop, payment_method=None))["status"] for _ in range(4)]
    assert statuses == ["success", "failed", "success", "failed"]
    assert draw == []


async def test_omitted_method_is_stored_as_null(shop: Shop, draw: list[float]) -> None:
    draw.append(0.0)
    body = {"order_id": 3, "amount": 5, "user_id": "9"}
    response = await shop.call("payment", "POST", "/payments", await _service(shop), json=body)
    assert response.status_code == 201
    assert response.json()["payment_method"] is None


async def test_create_needs_a_service_or_admin(shop: Shop) -> None:
    response = await shop.call("payment", "POST", "/payments", json={"order_id": 1})
    assert response.status_code == 401
    user_id, token = await shop.new_customer()
    response = await _pay(shop, token, user_id=user_id)
    assert response.status_code == 403
    assert response.json() == {"detail": "Not allowed for your role"}
    assert (await _pay(shop, shop.admin_token)).status_code == 201


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": -5},
        {"amount": 0},
        {"amount": 10.001},
        {"amount": 1_000_000.01},
        {"amount": 1e30},
        {"amount": "ten"},
        {"amount": None},
        {"amount": [1]},
        {"order_id": 0},
        {"order_id": "abc"},
        {"order_id": 2**40},
        {"user_id": ""},
        {"user_id": 5},
        {"payment_method": 7},
    ],
)
async def test_invalid_bodies_are_422(shop: Shop, fields: dict[str, Any]) -> None:
    response = await _pay(shop, **fields)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("Invalid request")


async def test_missing_fields_and_malformed_json(shop: Shop) -> None:
    token = await _service(shop)
    response = await shop.call("payment", "POST", "/payments", token, json={"order_id": 1})
    assert response.status_code == 422
    response = await shop.call(
        "payment",
        "POST",
        "/payments",
        token,
        content=b'{"order_id": 1,',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Malformed JSON body"}


async def test_card_data_is_never_stored(shop: Shop) -> None:
    payment = await _paid(shop, order_id=99, card_number=CARD_NUMBER, cvv="271", exp="12/30")
    assert CARD_NUMBER not in json.dumps(payment)
    async with _ctx(shop).db.read() as conn:
        row = (await conn.execute(select(payments).where(payments.c.id == payment["id"]))).one()
    assert set(row._mapping) == {c.name for c in payments.c}
    assert CARD_NUMBER not in repr(tuple(row))
    events = await _events(shop, payment["id"], 1)
    assert events
    assert set(events[0]["data"]) == {"payment_id", "order_id", "user_id", "amount"}
    assert CARD_NUMBER not in json.dumps(events)
    database = Path(str(make_url(_ctx(shop).settings.database_url).database))
    for path in database.parent.glob(f"{database.name}*"):  # the db, its WAL and SHM
        assert CARD_NUMBER.encode() not in path.read_bytes()
        assert b"cvv" not in path.read_bytes().lower()


async def test_owner_admin_and_services_read_a_payment(shop: Shop) -> None:
    owner_id, owner = await shop.new_customer()
    _, stranger = await shop.new_customer()
    payment = await _paid(shop, user_id=owner_id)
    path = f"/payments/{payment['id']}"
    for token in (owner, shop.admin_token, await _service(shop)):
        response = await shop.call("payment", "GET", path, token)
        assert response.status_code == 200
        assert response.json() == payment
    response = await shop.call("payment", "GET", path, stranger)
    assert response.status_code == 404
    assert response.json() == {"detail": "Payment not found"}
    assert (await shop.call("payment", "GET", path)).status_code == 401
    upper = f"/payments/{payment['id'].upper()}"
    assert (await shop.call("payment", "GET", upper, owner)).status_code == 200


@pytest.mark.parametrize("payment_id", ["not-a-uuid", str(uuid.uuid4()), "1" * 300, "%00"])
async def test_unknown_or_malformed_payment_id_is_404(shop: Shop, payment_id: str) -> None:
    response = await shop.call("payment", "GET", f"/payments/{payment_id}", shop.admin_token)
    assert response.status_code == 404
    assert response.json() == {"detail": "Payment not found"}


async def test_payment_of_an_order_is_the_most_recent(shop: Shop) -> None:
    owner_id, owner = await shop.new_customer()
    _, stranger = await shop.new_customer()
    await _paid(shop, order_id=555, user_id=owner_id, payment_method="pm_card_declined")
    latest = await _paid(shop, order_id=555, user_id=owner_id)
    for token in (owner, shop.admin_token, await _service(shop)):
        response = await shop.call("payment", "GET", "/payments/order/555", token)
        assert response.status_code == 200
        assert response.json() == latest
    response = await shop.call("payment", "GET", "/payments/order/555", stranger)
    assert response.status_code == 404
    response = await shop.call("payment", "GET", "/payments/order/556", shop.admin_token)
    assert response.status_code == 404
    assert response.json() == {"detail": "Payment not found"}
    response = await shop.call("payment", "GET", "/payments/order/abc", shop.admin_token)
    assert response.status_code == 422


async def test_refund_is_idempotent(shop: Shop) -> None:
    payment = await _paid(shop, order_id=600, amount=49.5)
    path = f"/payments/{payment['id']}/refund"
    service = await _service(shop)
    first = await shop.call("payment", "POST", path, service)
    assert first.status_code == 200, first.text
    refunded = first.json()
    assert refunded["status"] == "refunded"
    assert refunded["refunded_at"] is not None
    assert refunded["amount"] == 49.5
    again = await shop.call("payment", "POST", path, shop.admin_token)
    assert again.status_code == 200
    assert again.json() == refunded
    read = await shop.call("payment", "GET", f"/payments/{payment['id']}", service)
    assert read.json() == refunded


async def test_refund_of_a_failed_payment_is_409(shop: Shop) -> None:
    payment = await _paid(shop, payment_method="pm_card_declined")
    path = f"/payments/{payment['id']}/refund"
    response = await shop.call("payment", "POST", path, await _service(shop))
    assert response.status_code == 409
    assert response.json() == {"detail": "Only a successful payment can be refunded"}


async def test_refund_needs_a_service_or_admin(shop: Shop) -> None:
    owner_id, owner = await shop.new_customer()
    payment = await _paid(shop, user_id=owner_id)
    path = f"/payments/{payment['id']}/refund"
    assert (await shop.call("payment", "POST", path)).status_code == 401
    assert (await shop.call("payment", "POST", path, owner)).status_code == 403
    for missing in (f"/payments/{uuid.uuid4()}/refund", "/payments/nope/refund"):
        response = await shop.call("payment", "POST", missing, shop.admin_token)
        assert response.status_code == 404
        assert response.json() == {"detail": "Payment not found"}


async def test_events_are_published(shop: Shop) -> None:
    ok = await _paid(shop, order_id=700, user_id="5", amount=12.3)
    declined = await _paid(shop, order_id=701, user_id="5", payment_method="pm_card_declined")
    refund = f"/payments/{ok['id']}/refund"
    service = await _service(shop)
    assert (await shop.call("payment", "POST", refund, service)).status_code == 200
    assert (await shop.call("payment", "POST", refund, service)).status_code == 200

    ok_events = await _events(shop, ok["id"], 2)
    assert [e["event_type"] for e in ok_events] == ["payment_succeeded", "payment_refunded"]
    for event in ok_events:
        assert event["data"] == {
            "payment_id": ok["id"],
            "order_id": 700,
            "user_id": "5",
            "amount": 12.3,
        }
        assert uuid.UUID(event["event_id"])
        assert event["version"] == 1
    failed_events = await _events(shop, declined["id"], 1)
    assert [e["event_type"] for e in failed_events] == ["payment_failed"]
    assert failed_events[0]["data"]["amount"] == 19.99
    await asyncio.sleep(0.3)  # a second refund of a refunded payment emits nothing
    assert len(await _events(shop, ok["id"], 3)) == 2


async def test_health_and_openapi(shop: Shop) -> None:
    response = await shop.call("payment", "GET", "/health")
    assert response.json() == {"status": "healthy", "service": "payment"}
    paths = (await shop.call("payment", "GET", "/openapi.json")).json()["paths"]
    assert {"/payments", "/payments/order/{order_id}", "/payments/{payment_id}/refund"} <= set(
        paths
    )
