"""notifications routes (admin): the e-mails sent or waiting, and the dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel

from ecart.notifications import service
from ecart.notifications.domain import Kind, Status
from ecart.platform.http.app import Ctx
from ecart.platform.http.openapi import errors

router = APIRouter(tags=["notifications"])
NotificationId = Annotated[int, Path(ge=1, le=2**53, description="Notification ID")]
Skip = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]


class NotificationOut(BaseModel):
    id: int
    event_id: str
    kind: Kind
    user_id: str
    order_id: int | None
    payment_id: str | None
    recipient: str | None
    subject: str
    status: Status
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None


class NotificationDetailOut(NotificationOut):
    body: str


class DeadLetterOut(BaseModel):
    id: int
    topic: str
    key: str
    event_id: str | None
    payload: str
    error: str
    created_at: datetime


def _fields(model: type[BaseModel], row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in model.model_fields}


@router.get("/notifications", response_model=list[NotificationOut])
async def list_notifications(
    ctx: Ctx, skip: Skip = 0, limit: Limit = 100, status: Status | None = None
) -> list[NotificationOut]:
    """Every e-mail, newest first, optionally only those with a `status` (admin)."""
    rows = await service.list_notifications(ctx.db, skip=skip, limit=limit, status=status)
    return [NotificationOut(**_fields(NotificationOut, row)) for row in rows]


@router.get("/notifications/dead-letters", response_model=list[DeadLetterOut])
async def list_dead_letters(ctx: Ctx, skip: Skip = 0, limit: Limit = 100) -> list[DeadLetterOut]:
    """Events that could not be handled, with the error, newest first (admin)."""
    rows = await service.list_dead_letters(ctx.db, skip=skip, limit=limit)
    return [DeadLetterOut(**_fields(DeadLetterOut, row)) for row in rows]


@router.get(
    "/notifications/{notification_id}", response_model=NotificationDetailOut, responses=errors(404)
)
async def get_notification(notification_id: NotificationId, ctx: Ctx) -> NotificationDetailOut:
    """One e-mail with its body (admin)."""
    try:
        row = await service.get_notification(ctx.db, notification_id)
    except service.NotificationNotFound as exc:
        raise HTTPException(404, "Notification not found") from exc
    return NotificationDetailOut(**_fields(NotificationDetailOut, row))
