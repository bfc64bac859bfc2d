"""The event envelope every topic carries, and the outbox/inbox tables each service owns."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from ecart.platform.db import UTCDateTime

ENVELOPE_VERSION = 1


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Event:
    """An event a use case raised; the unit of work writes it to the outbox."""

    topic: str
    key: str
    event_type: str
    data: dict[str, Any]
    version: int = ENVELOPE_VERSION
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: datetime = field(default_factory=utcnow)

    def envelope(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "version": self.version,
            "timestamp": self.timestamp.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.envelope(), separators=(",", ":")).encode()


class Envelope(BaseModel):
    """What a consumer parses first; `data` is then parsed by the consumer's own model."""

    model_config = ConfigDict(extra="ignore")

    event_id: str
    event_type: str
    version: int = ENVELOPE_VERSION
    timestamp: datetime
    data: dict[str, Any]


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        # W3C trace headers of the request that wrote the event (JSON), sent with it.
        Column("trace_context", Text, nullable=True),
    )


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("processed_at", UTCDateTime(), nullable=False),
    )


def sequence_column(name: str) -> Column[int]:
    """A monotonically increasing version column (used to ignore out-of-order events)."""
    return Column(name, BigInteger, nullable=False, default=0)
