"""Helpers for the notifications tests: synthetic events on the bus, reading the e-mails."""

from __future__ import annotations

import itertools
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, cast

from ecart.platform.events import Event
from tests.conftest import Shop, eventually

_orders = itertools.count(900_000)


def order_data(
    user_id: str, *, order_id: int | None = None, status: str = "pending", **extra: Any
) -> dict[str, Any]:
    return {
        "order_id": order_id or next(_orders),
        "user_id": user_id,
        "status": status,
        "total_amount": 25.5,
        "items": [
            {"product_id": 1, "product_name": "Mug", "quantity": 3, "price": 5.5},
            {"product_id": 2, "product_name": "Tea", "quantity": 1, "price": 9},
        ],
        "payment_id": None,
        **extra,
    }


async def publish(shop: Shop, event: Event) -> bytes:
    value = event.to_bytes()
    await shop.bus.publish(event.topic, event.key, value, {"event_id": event.event_id})
    return value


async def publish_order_event(shop: Shop, event_type: str, data: dict[str, Any]) -> Event:
    event = Event("order-events", str(data["order_id"]), event_type, data)
    await publish(shop, event)
    return event


async def register_recipient(shop: Shop, user_id: str, email: str, name: str = "Ann") -> None:
    data = {"user_id": user_id, "role": "customer", "email": email, "name": name}
    await publish(shop, Event("user-events", user_id, "user_registered", data))


async def all_notifications(shop: Shop) -> list[dict[str, Any]]:
    response = await shop.call(
        "notifications", "GET", "/notifications", shop.admin_token, params={"limit": 500}
    )
    assert response.status_code == 200, response.text
    return cast(list[dict[str, Any]], response.json())


async def notifications_of(shop: Shop, user_id: str) -> list[dict[str, Any]]:
    return [n for n in await all_notifications(shop) if n["user_id"] == user_id]


async def wait_for(
    shop: Shop, user_id: str, count: int, *, status: str = "sent", within: float = 5.0
) -> list[dict[str, Any]]:
    """Waits until `user_id` has `count` notifications, all with `status`; oldest first."""
    found: list[dict[str, Any]] = []

    async def ready() -> bool:
        nonlocal found
        found = await notifications_of(shop, user_id)
        return len(found) >= count and all(n["status"] == status for n in found)

    await eventually(ready, within=within)
    assert len(found) == count, found
    return sorted(found, key=lambda n: n["id"])


def mail_dir(shop: Shop) -> Path:
    settings: Any = shop.platform.settings["notifications"]
    return Path(settings.data_dir).resolve() / "notifications"


def read_eml(shop: Shop, notification_id: int) -> EmailMessage:
    data = (mail_dir(shop) / f"{notification_id}.eml").read_bytes()
    return BytesParser(policy=policy.default).parsebytes(data)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())
