"""The notifications service's tables."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from ecart.platform.db import UTCDateTime
from ecart.platform.events import inbox_table, outbox_table

metadata = MetaData()

recipients = Table(
    "recipients",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("order_id", Integer, nullable=True),
    Column("payment_id", String(64), nullable=True),
    Column("recipient", String(320), nullable=True),  # null until the user's address is known
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Index("ix_notifications_due", "status", "next_attempt_at"),
    Index("ix_notifications_user_status", "user_id", "status"),
    Index("ix_notifications_payment", "payment_id"),
    Index("ix_notifications_created", "created_at"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("event_id", String(36), nullable=True),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_dead_letters_created", "created_at"),
)

outbox = outbox_table(metadata)  # the platform's relay needs one; notifications emits nothing
inbox = inbox_table(metadata)
