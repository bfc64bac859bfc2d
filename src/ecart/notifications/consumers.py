"""The subscriptions: each topic's effect wrapped for inbox dedupe (`idempotent_consumer`) and
for poison messages, which are kept in `dead_letters` instead of being retried."""

from __future__ import annotations

import json
from collections.abc import Callable

import structlog
from pydantic import ValidationError

from ecart.notifications import service
from ecart.notifications.events import (
    CONSUMER_GROUP,
    ORDER_TOPIC,
    PAYMENT_TOPIC,
    USER_TOPIC,
)
from ecart.notifications.store import inbox
from ecart.platform.bus import Handler, Message
from ecart.platform.http.app import ServiceContext
from ecart.platform.outbox import ConsumerEffect, idempotent_consumer

log = structlog.get_logger("ecart.notifications")

# user-events first: the address book should be ahead of the e-mails that need it.
EFFECTS: dict[str, ConsumerEffect] = {
    USER_TOPIC: service.on_user_event,
    ORDER_TOPIC: service.on_order_event,
    PAYMENT_TOPIC: service.on_payment_event,
}


def consumer_name(topic: str) -> str:
    return f"{CONSUMER_GROUP}:{topic}"


def describe(exc: ValidationError) -> str:
    """What was wrong, without echoing the message's values."""
    problems = [
        f"{'.'.join(str(part) for part in error['loc']) or '(message)'}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False)
    ]
    return f"{exc.title}: " + "; ".join(problems)


def event_id_of(payload: bytes) -> str | None:
    """The event id of a message that may not be a valid envelope, if it has a usable one."""
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    event_id = value.get("event_id") if isinstance(value, dict) else None
    return event_id if isinstance(event_id, str) and 0 < len(event_id) <= 36 else None


def dead_lettering(ctx: ServiceContext, topic: str, handler: Handler) -> Handler:
    """A poison message (not JSON, not an envelope, data that does not fit) can never succeed:
    it is recorded with its error and the consumer moves on, without raising, so the bus does
    not retry it. Any other failure (the database, say) is raised: the bus retries it and, if it
    keeps failing, puts it on `<topic>.dlq`."""
    consumer = consumer_name(topic)

    async def handle(message: Message) -> None:
        try:
            await handler(message)
        except ValidationError as exc:
            error = describe(exc)
            event_id = event_id_of(message.value)
            await service.record_dead_letter(
                ctx.db,
                topic=message.topic,
                key=message.key,
                payload=message.value,
                error=error,
                event_id=event_id,
                consumer=consumer,
            )
            log.error("poison_event_dead_lettered", topic=message.topic, event_id=event_id)
            ctx.metrics.counter(
                "ecart_events_consumed_total", message.topic, consumer, "dead_lettered"
            ).inc()

    return handle


def handlers(ctx: ServiceContext, after: Callable[[], None]) -> dict[str, Handler]:
    """One handler per topic; `after` runs once a message has been handled (wakes the sender)."""

    def wrap(topic: str, effect: ConsumerEffect) -> Handler:
        inner = dead_lettering(
            ctx, topic, idempotent_consumer(ctx.relay, inbox, consumer_name(topic), effect)
        )

        async def handle(message: Message) -> None:
            await inner(message)
            after()

        return handle

    return {topic: wrap(topic, effect) for topic, effect in EFFECTS.items()}
