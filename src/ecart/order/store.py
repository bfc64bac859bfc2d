"""The order service's tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from ecart.platform.db import UTCDateTime
from ecart.platform.events import inbox_table, outbox_table
from ecart.platform.idempotency import idempotency_table

metadata = MetaData()

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("items", Text, nullable=False),  # JSON list of lines, prices in cents
    Column("payment_id", String(36), nullable=True),
    Column("reservation_id", String(36), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_orders_user_created", "user_id", "created_at"),
    Index("ix_orders_created", "created_at"),
)

# One row per charge attempt: its key goes to the payment service, so a retry never charges
# twice, and an attempt whose answer was lost is reconciled from the payment service.
payment_attempts = Table(
    "payment_attempts",
    metadata,
    Column("attempt_key", String(200), primary_key=True),
    Column("order_id", Integer, nullable=False, index=True),
    Column("status", String(20), nullable=False),  # started | succeeded | declined | unknown
    Column("payment_id", String(36), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

idempotency_keys = idempotency_table(metadata)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
