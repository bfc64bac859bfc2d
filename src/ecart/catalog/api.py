"""catalog routes (seed 002's API): public reads and search, admin writes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ecart.catalog import service
from ecart.catalog.domain import (
    MAX_ID,
    InvalidProduct,
    NewProduct,
    ProductQuery,
    SortKey,
    parse_ids,
)
from ecart.platform.http.app import Ctx
from ecart.platform.http.openapi import errors
from ecart.platform.money import MAX_PRICE, Money, PriceIn, from_cents

router = APIRouter()

MAX_STOCK = 1_000_000
# `1,2,3`: ASCII only, so the longest allowed list still fits in a request line.
IDS_PATTERN = r"^[0-9]{1,19}(,[0-9]{1,19})*$"
ProductId = Annotated[int, Path(ge=1, le=MAX_ID, description="product id")]
StockIn = Annotated[int, Field(strict=True, ge=0, le=MAX_STOCK)]
PriceFilter = Annotated[
    Decimal | None,
    Query(ge=0, le=MAX_PRICE, allow_inf_nan=False),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": int(MAX_PRICE)}),
]


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    price: PriceIn
    stock: StockIn = 0
    category: str | None = Field(None, max_length=100)


class ProductUpdate(BaseModel):
    """Every field optional; only the ones sent change."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    price: PriceIn | None = None
    stock: StockIn | None = None
    category: str | None = Field(None, max_length=100)


class ProductOut(BaseModel):
    id: int
    name: str
    description: str
    price: Money
    stock: int
    category: str | None
    created_at: datetime
    updated_at: datetime


class CategoryOut(BaseModel):
    name: str
    product_count: int


class Message(BaseModel):
    message: str


def _out(row: Any) -> ProductOut:
    return ProductOut(
        id=row.id,
        name=row.name,
        description=row.description,
        price=from_cents(row.price_cents),
        stock=row.stock,
        category=row.category,
        created_at=service.as_utc(row.created_at),
        updated_at=service.as_utc(row.updated_at),
    )


def _invalid(exc: InvalidProduct) -> HTTPException:
    return HTTPException(422, f"Invalid request: {exc}")


def product_query(
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    q: Annotated[str | None, Query(max_length=200, description="search name, description")] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    min_price: PriceFilter = None,
    max_price: PriceFilter = None,
    sort: Annotated[SortKey, Query()] = "id",
    ids: Annotated[
        str | None, Query(max_length=12_000, pattern=IDS_PATTERN, description="e.g. 1,2,3")
    ] = None,
) -> ProductQuery:
    try:
        return ProductQuery(
            skip=skip,
            limit=limit,
            q=q.strip() or None if q else None,
            category=category.strip() or None if category else None,
            min_price=min_price,
            max_price=max_price,
            sort=sort,
            ids=parse_ids(ids) if ids is not None else None,
        )
    except InvalidProduct as exc:
        raise _invalid(exc) from None


@router.get("/products", response_model=list[ProductOut], tags=["products"])
async def list_products(
    query: Annotated[ProductQuery, Depends(product_query)], ctx: Ctx
) -> list[ProductOut]:
    """Products page by page; `q` searches name and description (case-insensitive),
    `ids=1,2,3` fetches a batch."""
    return [_out(row) for row in await service.list_products(ctx, query)]


@router.get(
    "/products/{product_id}", response_model=ProductOut, tags=["products"], responses=errors(404)
)
async def get_product(product_id: ProductId, ctx: Ctx) -> ProductOut:
    row = await service.get_product(ctx, product_id)
    if row is None:
        raise HTTPException(404, "Product not found")
    return _out(row)


@router.post("/products", status_code=201, response_model=ProductOut, tags=["products"])
async def create_product(body: ProductIn, ctx: Ctx) -> ProductOut:
    """Create a product; `stock` sets its stock level in inventory (the answer shows it)."""
    new = NewProduct(
        name=body.name,
        price=body.price,
        description=body.description or "",
        stock=body.stock,
        category=body.category,
    )
    try:
        return _out(await service.create_product(ctx, new))
    except InvalidProduct as exc:
        raise _invalid(exc) from None


@router.put(
    "/products/{product_id}", response_model=ProductOut, tags=["products"], responses=errors(404)
)
async def update_product(product_id: ProductId, body: ProductUpdate, ctx: Ctx) -> ProductOut:
    """Change the fields sent; `stock` changes the stock level in inventory."""
    changes = body.model_dump(exclude_unset=True, exclude={"stock"})
    try:
        row = await service.update_product(ctx, product_id, changes, body.stock)
    except InvalidProduct as exc:
        raise _invalid(exc) from None
    if row is None:
        raise HTTPException(404, "Product not found")
    return _out(row)


@router.delete(
    "/products/{product_id}", response_model=Message, tags=["products"], responses=errors(404)
)
async def delete_product(product_id: ProductId, ctx: Ctx) -> Message:
    if not await service.delete_product(ctx, product_id):
        raise HTTPException(404, "Product not found")
    return Message(message="Product deleted successfully")


@router.get("/categories", response_model=list[CategoryOut], tags=["categories"])
async def list_categories(ctx: Ctx) -> list[CategoryOut]:
    """Every category with how many products it has."""
    return [
        CategoryOut(name=row.name, product_count=row.product_count)
        for row in await service.list_categories(ctx)
    ]
