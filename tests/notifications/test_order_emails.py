"""Through the whole in-process platform: a customer's orders produce exactly the expected
e-mails, written as `.eml` files on the embedded default."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from ecart.notifications.store import inbox
from tests.conftest import Shop, eventually, unique_email
from tests.notifications.helpers import mail_dir, read_eml, text_of, wait_for

PAY = {"payment_method": "pm_card_success"}


async def _order(shop: Shop, user_id: str, token: str, product_id: int, quantity: int) -> int:
    await shop.add_to_cart(user_id, token, product_id, quantity)
    response = await shop.call("order", "POST", "/orders", token, json={"user_id": user_id})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _call_ok(shop: Shop, token: str, method: str, path: str, **kwargs: Any) -> None:
    response = await shop.call("order", method, path, token, **kwargs)
    assert response.status_code == 200, response.text


async def _consumed(shop: Shop, topic: str, event_type: str, order_id: int) -> None:
    """Waits until notifications has handled `topic`'s `event_type` event for the order."""
    db = shop.platform.apps["notifications"].state.ctx.db

    async def done() -> bool:
        ids = [
            envelope["event_id"]
            for message in shop.messages(topic)
            if (envelope := json.loads(message.value))["event_type"] == event_type
            and envelope["data"]["order_id"] == order_id
        ]
        if not ids:
            return False
        async with db.read() as conn:
            found = await conn.scalar(select(inbox.c.event_id).where(inbox.c.event_id == ids[0]))
        return found is not None

    await eventually(done, within=5)


async def test_a_customers_orders_send_exactly_the_expected_emails(shop: Shop) -> None:
    email = unique_email()
    user_id, token = await shop.new_customer(email)
    product = await shop.new_product(price=12.5, stock=20, name="Teapot")
    admin = shop.admin_token

    shipped = await _order(shop, user_id, token, product["id"], 2)
    await _call_ok(shop, token, "POST", f"/orders/{shipped}/payment", json=PAY)
    for status in ("processing", "shipped"):
        await _call_ok(shop, admin, "PUT", f"/orders/{shipped}/status", json={"status": status})

    cancelled = await _order(shop, user_id, token, product["id"], 1)
    await _call_ok(shop, token, "POST", f"/orders/{cancelled}/cancel")

    refunded = await _order(shop, user_id, token, product["id"], 3)
    await _call_ok(shop, token, "POST", f"/orders/{refunded}/payment", json=PAY)
    await _call_ok(shop, admin, "POST", f"/orders/{refunded}/cancel")  # after payment: refund
    await _consumed(shop, "payment-events", "payment_refunded", refunded)

    sent = await wait_for(shop, user_id, 8)
    got = sorted((n["order_id"], n["kind"]) for n in sent)
    assert got == sorted(
        [
            (shipped, "order_confirmation"),
            (shipped, "payment_receipt"),
            (shipped, "shipped"),
            (cancelled, "order_confirmation"),
            (cancelled, "cancelled"),
            (refunded, "order_confirmation"),
            (refunded, "payment_receipt"),
            (refunded, "refunded"),  # and no second e-mail for the payment's own refund event
        ]
    )
    subjects = {
        "order_confirmation": "Order confirmation: order #{}",
        "payment_receipt": "Payment receipt for order #{}",
        "shipped": "Your order #{} has shipped",
        "cancelled": "Your order #{} has been cancelled",
        "refunded": "Your order #{} has been refunded",
    }
    totals = {shipped: "25.00", cancelled: "12.50", refunded: "37.50"}
    for notification in sent:
        order_id = notification["order_id"]
        message = read_eml(shop, notification["id"])
        assert message["To"] == email
        assert message["From"] == "ecart <no-reply@ecart.local>"
        assert message["Subject"] == subjects[notification["kind"]].format(order_id)
        assert notification["subject"] == message["Subject"]
        assert notification["recipient"] == email
        assert notification["attempts"] == 1
        assert notification["sent_at"] is not None
        text = text_of(message)
        assert text.startswith("Hello Test Customer,\n")
        assert f"Order: #{order_id}" in text
        assert f"Total: {totals[order_id]}" in text
        assert "x Teapot at 12.50" in text
    assert sum(1 for _ in mail_dir(shop).glob("*.eml")) >= 8

    # newest first; one e-mail with its body
    listed = await shop.call("notifications", "GET", "/notifications", admin)
    ids = [n["id"] for n in listed.json()]
    assert ids == sorted(ids, reverse=True)
    one = await shop.call("notifications", "GET", f"/notifications/{sent[0]['id']}", admin)
    assert one.status_code == 200, one.text
    assert one.json()["body"] == text_of(read_eml(shop, sent[0]["id"]))
    assert "Status: pending" in one.json()["body"]
