"""inventory routes: stock levels (public reads, admin/service writes) and reservations
(service or admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ecart.inventory import service
from ecart.inventory.config import InventorySettings
from ecart.inventory.domain import (
    MAX_ID,
    Action,
    InsufficientStock,
    InvalidIds,
    Reservation,
    ReservationConflict,
    parse_ids,
)
from ecart.platform.http.app import Ctx
from ecart.platform.http.openapi import errors

router = APIRouter()

MAX_AVAILABLE = 1_000_000
# `1,2,3`: ASCII only, so the longest allowed list still fits in a request line.
IDS_PATTERN = r"^[0-9]{1,19}(,[0-9]{1,19})*$"
ProductId = Annotated[int, Path(ge=1, le=MAX_ID, description="product id")]
ReservationId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]
StrictCount = Annotated[int, Field(strict=True)]


def _settings(ctx: Ctx) -> InventorySettings:
    return cast(InventorySettings, ctx.settings)


SettingsDep = Annotated[InventorySettings, Depends(_settings)]


class StockOut(BaseModel):
    product_id: int
    available: int
    reserved: int
    version: int


class StockIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    available: StrictCount = Field(ge=0, le=MAX_AVAILABLE)


class LineIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_id: StrictCount = Field(ge=1, le=MAX_ID)
    quantity: StrictCount = Field(ge=1, le=1000)


class ReservationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reservation_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    ttl_seconds: StrictCount | None = Field(None, ge=1, le=86400)


class LineOut(BaseModel):
    product_id: int
    quantity: int


class ReservationOut(BaseModel):
    reservation_id: str
    status: str
    lines: list[LineOut]
    expires_at: datetime
    created_at: datetime


class Message(BaseModel):
    message: str


def _stock_out(row: Any) -> StockOut:
    return StockOut(
        product_id=row.product_id,
        available=row.available,
        reserved=row.reserved,
        version=row.version,
    )


def _reservation_out(reservation: Reservation) -> ReservationOut:
    return ReservationOut(
        reservation_id=reservation.reservation_id,
        status=reservation.status.value,
        lines=[LineOut(product_id=p, quantity=q) for p, q in reservation.lines.items()],
        expires_at=reservation.expires_at,
        created_at=reservation.created_at,
    )


@router.get("/stock", response_model=list[StockOut], tags=["stock"])
async def list_stock(
    ctx: Ctx,
    product_ids: Annotated[str | None, Query(max_length=10_000, pattern=IDS_PATTERN)] = None,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
) -> list[StockOut]:
    """Stock of the given products (`product_ids=1,2,3`; unknown ids are omitted), or of
    every product, page by page."""
    ids = None
    if product_ids is not None:
        try:
            ids = parse_ids(product_ids)
        except InvalidIds as exc:
            raise HTTPException(422, f"Invalid request: product_ids: {exc}") from None
    return [_stock_out(row) for row in await service.list_stock(ctx, ids, skip, limit)]


@router.get("/stock/{product_id}", response_model=StockOut, tags=["stock"], responses=errors(404))
async def get_stock(product_id: ProductId, ctx: Ctx) -> StockOut:
    row = await service.get_stock(ctx, product_id)
    if row is None:
        raise HTTPException(404, "Stock not found")
    return _stock_out(row)


@router.put("/stock/{product_id}", response_model=StockOut, tags=["stock"])
async def set_stock(product_id: ProductId, body: StockIn, ctx: Ctx) -> StockOut:
    """Set the available stock of a product (creates its row)."""
    return _stock_out(await service.set_stock(ctx, product_id, body.available))


@router.delete("/stock/{product_id}", response_model=Message, tags=["stock"], responses=errors(404))
async def delete_stock(product_id: ProductId, ctx: Ctx) -> Message:
    if not await service.delete_stock(ctx, product_id):
        raise HTTPException(404, "Stock not found")
    return Message(message="Stock deleted")


@router.post(
    "/reservations",
    status_code=201,
    response_model=ReservationOut,
    tags=["reservations"],
    responses={
        200: {"model": ReservationOut, "description": "A replay: the same id with the same lines"},
        **errors(409),
    },
)
async def reserve(
    body: ReservationIn,
    response: Response,
    ctx: Ctx,
    settings: SettingsDep,
) -> ReservationOut:
    """Reserve every line or none (201); the same id with the same lines again → 200."""
    lines = [(line.product_id, line.quantity) for line in body.lines]
    ttl = body.ttl_seconds or settings.reservation_ttl_seconds
    try:
        reservation, created = await service.reserve(ctx, body.reservation_id, lines, ttl)
    except InsufficientStock as exc:
        ctx.metrics.counter("ecart_reservation_failures_total", "out_of_stock").inc()
        raise HTTPException(409, str(exc)) from None
    except ReservationConflict as exc:
        raise HTTPException(409, str(exc)) from None
    if not created:
        response.status_code = 200
    return _reservation_out(reservation)


@router.get(
    "/reservations/{reservation_id}",
    response_model=ReservationOut,
    tags=["reservations"],
    responses=errors(404),
)
async def get_reservation(reservation_id: ReservationId, ctx: Ctx) -> ReservationOut:
    reservation = await service.get_reservation(ctx, reservation_id)
    if reservation is None:
        raise HTTPException(404, "Reservation not found")
    return _reservation_out(reservation)


async def _act(ctx: Ctx, reservation_id: str, action: Action) -> ReservationOut:
    try:
        reservation = await service.apply_action(ctx, reservation_id, action)
    except service.ReservationNotFound:
        raise HTTPException(404, "Reservation not found") from None
    except ReservationConflict as exc:
        raise HTTPException(409, str(exc)) from None
    return _reservation_out(reservation)


@router.post(
    "/reservations/{reservation_id}/commit",
    response_model=ReservationOut,
    tags=["reservations"],
    responses=errors(404, 409),
)
async def commit(reservation_id: ReservationId, ctx: Ctx) -> ReservationOut:
    """active → committed (payment succeeded); idempotent; 409 when released or expired."""
    return await _act(ctx, reservation_id, Action.COMMIT)


@router.post(
    "/reservations/{reservation_id}/release",
    response_model=ReservationOut,
    tags=["reservations"],
    responses=errors(404, 409),
)
async def release(reservation_id: ReservationId, ctx: Ctx) -> ReservationOut:
    """active → released, the stock returns; idempotent; 409 when committed."""
    return await _act(ctx, reservation_id, Action.RELEASE)


@router.post(
    "/reservations/{reservation_id}/restock",
    response_model=ReservationOut,
    tags=["reservations"],
    responses=errors(404, 409),
)
async def restock(reservation_id: ReservationId, ctx: Ctx) -> ReservationOut:
    """committed → restocked (refund), the stock returns; idempotent."""
    return await _act(ctx, reservation_id, Action.RESTOCK)
