from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest

from ecart.cart.config import CartSettings
from ecart.platform.http.app import ServiceContext
from tests.conftest import Shop

SERVICES = ["users", "inventory", "catalog", "cart"]
_names = itertools.count(1)


async def _product(shop: Shop, *, stock: int = 10, price: float = 999.99) -> int:
    body = {
        "name": f"Cart test product {next(_names)}",
        "description": "made by the cart tests",
        "price": price,
        "stock": stock,
        "category": "Tests",
    }
    response = await shop.call("catalog", "POST", "/products", shop.admin_token, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["stock"] == stock
    return int(response.json()["id"])


async def _add(
    shop: Shop, user_id: str, token: str | None, product_id: Any, quantity: Any = 1
) -> httpx.Response:
    body = {"product_id": product_id, "quantity": quantity}
    return await shop.call("cart", "POST", f"/cart/{user_id}/items", token, json=body)


async def _cart(shop: Shop, user_id: str, token: str) -> dict[str, Any]:
    response = await shop.call("cart", "GET", f"/cart/{user_id}", token)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _quantities(cart: dict[str, Any]) -> dict[int, int]:
    return {item["product_id"]: item["quantity"] for item in cart["items"]}


@pytest.fixture
def settings(shop: Shop) -> Iterator[CartSettings]:
    """The running cart's settings, restored after the test changes them."""
    ctx = cast(ServiceContext, shop.platform.apps["cart"].state.ctx)
    current = cast(CartSettings, ctx.settings)
    saved = (current.max_lines, current.max_quantity)
    yield current
    current.max_lines, current.max_quantity = saved


async def test_no_cart_is_an_empty_cart(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    response = await shop.call("cart", "GET", f"/cart/{user_id}", token)
    assert response.status_code == 200
    assert response.json() == {"user_id": user_id, "items": [], "total": 0}
    assert '"total":0' in response.text


async def test_add_item_returns_the_cart_item(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    product_id = await _product(shop, price=999.99)
    response = await _add(shop, user_id, token, product_id, 2)
    assert response.status_code == 200, response.text
    item = response.json()
    assert item == {
        "id": item["id"],
        "user_id": user_id,
        "product_id": product_id,
        "quantity": 2,
        "product_name": item["product_name"],
        "product_price": 999.99,
        "created_at": item["created_at"],
    }
    assert item["product_name"].startswith("Cart test product")
    cart = await _cart(shop, user_id, token)
    assert cart == {"user_id": user_id, "items": [item], "total": 1999.98}


async def test_adding_again_adds_up_and_total_is_exact(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    pencil = await _product(shop, price=0.1)
    pad = await _product(shop, price=19.99)
    for product_id, quantity in ((pencil, 1), (pad, 2), (pencil, 2)):
        assert (await _add(shop, user_id, token, product_id, quantity)).status_code == 200
    cart = await _cart(shop, user_id, token)
    assert _quantities(cart) == {pencil: 3, pad: 2}
    assert [item["product_id"] for item in cart["items"]] == [pencil, pad]
    assert cart["total"] == 40.28  # 0.1 × 3 + 19.99 × 2, in Decimal


async def test_insufficient_stock_counts_the_cart(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    product_id = await _product(shop, stock=3)
    response = await _add(shop, user_id, token, product_id, 4)
    assert response.status_code == 400
    assert response.json() == {"detail": "Insufficient stock"}
    assert (await _add(shop, user_id, token, product_id, 2)).status_code == 200
    response = await _add(shop, user_id, token, product_id, 2)
    assert response.status_code == 400
    assert response.json() == {"detail": "Insufficient stock"}
    assert _quantities(await _cart(shop, user_id, token)) == {product_id: 2}


async def test_out_of_stock_product(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    product_id = await _product(shop, stock=0)
    response = await _add(shop, user_id, token, product_id)
    assert response.status_code == 400
    assert response.json() == {"detail": "Insufficient stock"}


async def test_unknown_product_is_404(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    response = await _add(shop, user_id, token, 987_654)
    assert response.status_code == 404
    assert response.json() == {"detail": "Product not found"}


@pytest.mark.parametrize(
    ("product_id", "quantity"),
    [
        *[(1, 0), (1, -1), (1, 101), (1, 10**12), (1, "two"), (1, 1.5), (1, None)],
        *[(0, 1), (-3, 1), (2**40, 1), ("abc", 1), (None, 1)],
    ],
)
async def test_invalid_items_are_422(shop: Shop, product_id: Any, quantity: Any) -> None:
    user_id, token = await shop.new_customer()
    response = await _add(shop, user_id, token, product_id, quantity)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("Invalid request")


async def test_malformed_json_is_400(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    response = await shop.call(
        "cart",
        "POST",
        f"/cart/{user_id}/items",
        token,
        content=b'{"product_id": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Malformed JSON body"}


async def test_quantity_per_line_is_capped(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    product_id = await _product(shop, stock=500)
    assert (await _add(shop, user_id, token, product_id, 60)).status_code == 200
    response = await _add(shop, user_id, token, product_id, 41)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("At most 100 units of one product")
    assert (await _add(shop, user_id, token, product_id, 40)).status_code == 200


async def test_lines_per_cart_are_capped(shop: Shop, settings: CartSettings) -> None:
    settings.max_lines = 2
    user_id, token = await shop.new_customer()
    first, second, third = [await _product(shop) for _ in range(3)]
    for product_id in (first, second, first):
        assert (await _add(shop, user_id, token, product_id)).status_code == 200
    response = await _add(shop, user_id, token, third)
    assert response.status_code == 400
    assert response.json() == {"detail": "A cart holds at most 2 different products"}


async def test_update_quantity(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    product_id = await _product(shop, stock=5)
    other = await _product(shop)
    assert (await _add(shop, user_id, token, product_id)).status_code == 200
    path = f"/cart/{user_id}/items/{product_id}"
    response = await shop.call("cart", "PUT", path, token, params={"quantity": 5})
    assert response.status_code == 200
    assert response.json() == {"message": "Item quantity updated"}
    assert _quantities(await _cart(shop, user_id, token)) == {product_id: 5}
    response = await shop.call("cart", "PUT", path, token, params={"quantity": 6})
    assert response.status_code == 400
    assert response.json() == {"detail": "Insufficient stock"}
    missing = f"/cart/{user_id}/items/{other}"
    response = await shop.call("cart", "PUT", missing, token, params={"quantity": 1})
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found in cart"}
    for bad in ({"quantity": 0}, {"quantity": -2}, {"quantity": 101}, {"quantity": "x"}, {}):
        response = await shop.call("cart", "PUT", path, token, params=bad)
        assert response.status_code == 422, bad
    assert _quantities(await _cart(shop, user_id, token)) == {product_id: 5}


async def test_remove_item_and_clear_cart(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    first, second = await _product(shop), await _product(shop)
    for product_id in (first, second):
        assert (await _add(shop, user_id, token, product_id)).status_code == 200
    path = f"/cart/{user_id}/items/{first}"
    response = await shop.call("cart", "DELETE", path, token)
    assert response.status_code == 200
    assert response.json() == {"message": "Item removed from cart"}
    response = await shop.call("cart", "DELETE", path, token)
    assert response.status_code == 404
    assert _quantities(await _cart(shop, user_id, token)) == {second: 1}
    for _ in range(2):  # clearing is idempotent
        response = await shop.call("cart", "DELETE", f"/cart/{user_id}", token)
        assert response.status_code == 200
        assert response.json() == {"message": "Cart cleared"}
    assert await _cart(shop, user_id, token) == {"user_id": user_id, "items": [], "total": 0}


async def test_prices_and_names_are_read_from_catalog(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    kept, dropped = await _product(shop, price=10), await _product(shop, price=5)
    for product_id in (kept, dropped):
        assert (await _add(shop, user_id, token, product_id, 2)).status_code == 200
    update = {"price": 12.5, "name": "Renamed"}
    path = f"/products/{kept}"
    response = await shop.call("catalog", "PUT", path, shop.admin_token, json=update)
    assert response.status_code == 200, response.text
    response = await shop.call("catalog", "DELETE", f"/products/{dropped}", shop.admin_token)
    assert response.status_code == 200, response.text
    cart = await _cart(shop, user_id, token)
    assert [(i["product_id"], i["product_name"], i["product_price"]) for i in cart["items"]] == [
        (kept, "Renamed", 12.5)
    ]
    assert cart["total"] == 25


async def test_who_may_touch_a_cart(shop: Shop) -> None:
    owner_id, owner = await shop.new_customer()
    _, stranger = await shop.new_customer()
    service = await shop.service_token("cart")
    product_id = await _product(shop)
    base = f"/cart/{owner_id}"
    item = f"{base}/items/{product_id}"
    assert (await shop.call("cart", "GET", base)).status_code == 401
    assert (await _add(shop, owner_id, None, product_id)).status_code == 401
    for method, path, params in (
        ("GET", base, None),
        ("PUT", item, {"quantity": 1}),
        ("DELETE", item, None),
        ("DELETE", base, None),
    ):
        response = await shop.call("cart", method, path, stranger, params=params)
        assert response.status_code == 403, (method, path)
        assert response.json() == {"detail": "You may only access your own data"}
    assert (await _add(shop, owner_id, stranger, product_id)).status_code == 403
    assert (await _add(shop, owner_id, service, product_id)).status_code == 403
    assert (await _add(shop, owner_id, shop.admin_token, product_id)).status_code == 200
    for token in (owner, shop.admin_token, service):
        assert _quantities(await _cart(shop, owner_id, token)) == {product_id: 1}


async def test_checkout_clear_keeps_what_was_added_since(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    partly, fully, later = [await _product(shop) for _ in range(3)]
    for product_id, quantity in ((partly, 3), (fully, 1)):
        assert (await _add(shop, user_id, token, product_id, quantity)).status_code == 200
    ordered = {
        "items": [{"product_id": partly, "quantity": 2}, {"product_id": fully, "quantity": 1}]
    }
    assert (await _add(shop, user_id, token, later, 1)).status_code == 200  # after checkout read
    path = f"/cart/{user_id}/checkout-clear"
    response = await shop.call("cart", "POST", path, await shop.service_token("cart"), json=ordered)
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Ordered items removed from cart"}
    assert _quantities(await _cart(shop, user_id, token)) == {partly: 1, later: 1}
    response = await shop.call("cart", "POST", path, shop.admin_token, json={"items": []})
    assert response.status_code == 200


async def test_checkout_clear_is_internal(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    product_id = await _product(shop)
    assert (await _add(shop, user_id, token, product_id)).status_code == 200
    path = f"/cart/{user_id}/checkout-clear"
    body = {"items": [{"product_id": product_id, "quantity": 1}]}
    assert (await shop.call("cart", "POST", path, json=body)).status_code == 401
    response = await shop.call("cart", "POST", path, token, json=body)
    assert response.status_code == 403
    assert response.json() == {"detail": "Not allowed for your role"}
    service = await shop.service_token("cart")
    for bad in ({"items": [{"product_id": product_id, "quantity": 0}]}, {"items": "x"}, {}):
        assert (await shop.call("cart", "POST", path, service, json=bad)).status_code == 422
    assert _quantities(await _cart(shop, user_id, token)) == {product_id: 1}


async def test_health_and_openapi(shop: Shop) -> None:
    response = await shop.call("cart", "GET", "/health")
    assert response.json() == {"status": "healthy", "service": "cart"}
    paths = (await shop.call("cart", "GET", "/openapi.json")).json()["paths"]
    assert "/cart/{user_id}/checkout-clear" in paths
