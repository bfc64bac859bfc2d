"""Exactly one e-mail per event: redeliveries are deduplicated, poison events are kept as dead
letters without stopping the consumer, e-mails wait for an unknown recipient."""

from __future__ import annotations

from ecart.platform.events import Event
from tests.conftest import Shop, eventually, unique_email
from tests.notifications.helpers import (
    mail_dir,
    notifications_of,
    order_data,
    publish,
    publish_order_event,
    read_eml,
    register_recipient,
    text_of,
    wait_for,
)

SERVICES = ["users", "notifications"]


async def _dead_letters(shop: Shop) -> list[dict[str, object]]:
    response = await shop.call(
        "notifications", "GET", "/notifications/dead-letters", shop.admin_token
    )
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_redelivered_event_sends_no_second_email(shop: Shop) -> None:
    user_id, _ = await shop.new_customer()
    event = await publish_order_event(shop, "order_created", order_data(user_id))
    [first] = await wait_for(shop, user_id, 1)
    # the same bytes again, then another event: once that one is handled, so is the copy
    await publish(shop, event)
    await publish(shop, event)
    await publish_order_event(shop, "order_created", order_data(user_id))
    both = await wait_for(shop, user_id, 2)
    assert [n["event_id"] for n in both].count(event.event_id) == 1
    assert both[0] == first
    files = [p.name for p in mail_dir(shop).glob("*.eml")]
    assert files.count(f"{first['id']}.eml") == 1


async def test_a_user_registered_on_the_platform_is_greeted_by_name(shop: Shop) -> None:
    email = unique_email()
    user_id, _ = await shop.new_customer(email)
    await publish_order_event(shop, "order_created", order_data(user_id))
    [sent] = await wait_for(shop, user_id, 1)
    message = read_eml(shop, sent["id"])
    assert message["To"] == email
    assert text_of(message).startswith("Hello Test Customer,")


async def test_poison_events_are_dead_lettered_and_the_next_event_is_processed(
    shop: Shop,
) -> None:
    user_id, _ = await shop.new_customer()
    before = {d["id"] for d in await _dead_letters(shop)}
    bus = shop.bus
    await bus.publish("order-events", "1", b"\xffnot json at all")
    await bus.publish("order-events", "2", b'{"hello": "no envelope"}')
    missing = order_data(user_id)
    del missing["items"]
    poison = Event("order-events", "3", "order_created", missing)
    await publish(shop, poison)
    await publish(shop, poison)  # redelivered: still one dead letter
    await bus.publish("payment-events", "4", b"[]")
    await publish_order_event(shop, "order_created", order_data(user_id))
    await wait_for(shop, user_id, 1)  # the consumer moved on

    kept: list[dict[str, object]] = []

    async def all_kept() -> bool:
        kept[:] = [d for d in await _dead_letters(shop) if d["id"] not in before]
        return len(kept) >= 4

    await eventually(all_kept)
    assert len(kept) == 4, kept
    dead = {str(d["key"]): d for d in kept}
    assert {key: d["topic"] for key, d in dead.items()} == {
        "1": "order-events",
        "2": "order-events",
        "3": "order-events",
        "4": "payment-events",
    }
    assert dead["3"]["event_id"] == poison.event_id
    assert "items: Field required" in str(dead["3"]["error"])
    assert str(dead["1"]["payload"]).endswith("not json at all")
    assert dead["1"]["event_id"] is None
    assert "Invalid JSON" in str(dead["1"]["error"])
    assert "event_id: Field required" in str(dead["2"]["error"])
    # handled here, so the bus did not retry them onto its own dead-letter topic
    assert not [
        m
        for m in shop.messages("order-events.dlq") + shop.messages("payment-events.dlq")
        if m.headers.get("x-dead-letter-group") == "notifications"
    ]


async def test_an_email_waits_for_its_recipients_address(shop: Shop) -> None:
    user_id = "770001"  # not known to the address book (yet)
    data = order_data(user_id)
    await publish_order_event(shop, "order_created", data)
    [waiting] = await wait_for(shop, user_id, 1, status="pending")
    assert waiting["recipient"] is None
    assert "waiting for the recipient" in waiting["last_error"]
    assert waiting["attempts"] == 0

    email = unique_email()
    await register_recipient(shop, user_id, email, name="Zoë Late")
    [sent] = await wait_for(shop, user_id, 1)
    assert sent["id"] == waiting["id"]
    assert sent["recipient"] == email
    assert sent["last_error"] is None
    message = read_eml(shop, sent["id"])
    assert message["To"] == email
    assert message["Subject"] == f"Order confirmation: order #{data['order_id']}"
    assert text_of(message).startswith("Hello Zoë Late,\n")
    assert "Total: 25.50" in text_of(message)
    assert "3 x Mug at 5.50 = 16.50" in text_of(message)


async def test_only_status_changes_to_shipped_send_an_email(shop: Shop) -> None:
    user_id, _ = await shop.new_customer()
    order_id = order_data(user_id)["order_id"]
    for status in ("confirmed", "processing", "delivered", "shipped"):
        data = order_data(user_id, order_id=order_id, status=status, old_status="x")
        await publish_order_event(shop, "order_status_updated", data)
    await publish_order_event(shop, "order_deleted_someday", order_data(user_id))
    [shipped] = await wait_for(shop, user_id, 1)
    assert shipped["kind"] == "shipped"
    assert shipped["order_id"] == order_id


async def test_a_refund_of_a_payment_the_order_never_took_is_emailed(shop: Shop) -> None:
    user_id, _ = await shop.new_customer()
    order = order_data(user_id, status="paid", payment_id="pay-kept")
    await publish_order_event(shop, "order_paid", order)
    # The rule needs the receipt known first (topics are not ordered with each other).
    await wait_for(shop, user_id, 1)
    refund = {"order_id": order["order_id"], "user_id": user_id, "amount": 25.5}
    kept = {**refund, "payment_id": "pay-kept"}
    lost = {**refund, "payment_id": "pay-lost"}
    # the order's own payment: `order_refunded` tells the customer, this adds nothing
    await publish(shop, Event("payment-events", "pay-kept", "payment_refunded", kept))
    # a second charge that lost the race and was refunded at once: worth telling
    await publish(shop, Event("payment-events", "pay-lost", "payment_refunded", lost))
    sent = await wait_for(shop, user_id, 2)
    assert [(n["kind"], n["payment_id"]) for n in sent] == [
        ("payment_receipt", "pay-kept"),
        ("payment_refunded", "pay-lost"),
    ]
    message = read_eml(shop, sent[1]["id"])
    assert message["Subject"] == f"Refund of a payment for order #{order['order_id']}"
    assert "Refunded: 25.50" in text_of(message)
    assert len(await notifications_of(shop, user_id)) == 2
