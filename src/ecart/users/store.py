"""The users service's tables."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table

from ecart.platform.db import UTCDateTime
from ecart.platform.events import inbox_table, outbox_table

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
