"""The payment service's tables."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint

from ecart.platform.db import UTCDateTime
from ecart.platform.events import inbox_table, outbox_table

metadata = MetaData()

payments = Table(
    "payments",
    metadata,
    Column("id", String(36), primary_key=True),  # a UUID v4, as text
    Column("order_id", Integer, nullable=False, index=True),
    Column("user_id", String(64), nullable=False),
    Column("amount_cents", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("payment_method", String(64), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("refunded_at", UTCDateTime(), nullable=True),
    # The caller's key for one charge attempt: a retry with the same key never charges twice.
    Column("attempt_key", String(200), nullable=True),
    UniqueConstraint("attempt_key", name="uq_payments_attempt_key"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
