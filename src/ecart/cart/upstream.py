"""The cart's reads from catalog (names, prices) and inventory (availability).

Both are public routes, so they go without a service token: the cart keeps working while the
users service is briefly away. Timeouts, connection errors, 5xx and answers that break the
contract surface as `ServiceUnavailable` (503).
"""

from __future__ import annotations

from decimal import Decimal

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from ecart.cart.domain import Product
from ecart.platform.http.app import ServiceContext
from ecart.platform.http.errors import ServiceUnavailable
from ecart.platform.money import quantize

BATCH = 50  # product ids per catalog call


class _CatalogProduct(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    name: str
    price: Decimal


class _Stock(BaseModel):
    model_config = ConfigDict(extra="ignore")

    available: int


_products = TypeAdapter(list[_CatalogProduct])


def _unexpected(service: str, response: httpx.Response) -> ServiceUnavailable:
    return ServiceUnavailable(f"{service} service answered unexpectedly ({response.status_code})")


def _product(item: _CatalogProduct) -> Product:
    return Product(id=item.id, name=item.name, price=quantize(item.price))


async def fetch_product(ctx: ServiceContext, product_id: int) -> Product | None:
    """The product, or None when catalog does not know it."""
    response = await ctx.client("catalog").request(
        "GET", f"/products/{product_id}", authenticated=False
    )
    if response.status_code in (404, 422):
        return None
    if response.status_code != 200:
        raise _unexpected("catalog", response)
    try:
        return _product(_CatalogProduct.model_validate_json(response.content))
    except ValidationError as exc:
        raise _unexpected("catalog", response) from exc


async def fetch_products(ctx: ServiceContext, product_ids: list[int]) -> dict[int, Product]:
    """The products catalog still has, by id, in one call per `BATCH` ids."""
    found: dict[int, Product] = {}
    unique = sorted(set(product_ids))
    for start in range(0, len(unique), BATCH):
        chunk = unique[start : start + BATCH]
        params = {"ids": ",".join(map(str, chunk)), "limit": len(chunk)}
        response = await ctx.client("catalog").request(
            "GET", "/products", params=params, authenticated=False
        )
        if response.status_code != 200:
            raise _unexpected("catalog", response)
        try:
            items = _products.validate_json(response.content)
        except ValidationError as exc:
            raise _unexpected("catalog", response) from exc
        found.update((item.id, _product(item)) for item in items if item.id in chunk)
    return found


async def available_stock(ctx: ServiceContext, product_id: int) -> int:
    """Units inventory can still sell; a product without a stock row has none."""
    response = await ctx.client("inventory").request(
        "GET", f"/stock/{product_id}", authenticated=False
    )
    if response.status_code == 404:
        return 0
    if response.status_code != 200:
        raise _unexpected("inventory", response)
    try:
        return _Stock.model_validate_json(response.content).available
    except ValidationError as exc:
        raise _unexpected("inventory", response) from exc
