"""Every service's OpenAPI document describes the errors it really answers (found by the fuzz
suite, `tests/fuzz/`): the platform's own (401/403 where a token is needed, 400/413 where there
is a body, 422 as ecart shapes it) and each route's (404, 409, ...); and a 405 names every method
the path serves."""

from __future__ import annotations

from typing import Any

import pytest

from ecart.platform.http.openapi import Error, InvalidRequest
from ecart.platform.settings import SERVICE_NAMES
from tests.conftest import Shop

# What the use cases answer besides success, per route (the fuzz suite found them undocumented).
DECLARED = {
    ("users", "post", "/auth/register"): {"409", "429"},
    ("users", "post", "/auth/token"): {"400", "401", "429"},
    ("users", "get", "/users/me"): {"404"},
    ("catalog", "get", "/products/{product_id}"): {"404"},
    ("catalog", "put", "/products/{product_id}"): {"404"},
    ("catalog", "delete", "/products/{product_id}"): {"404"},
    ("inventory", "get", "/stock/{product_id}"): {"404"},
    ("inventory", "delete", "/stock/{product_id}"): {"404"},
    ("inventory", "post", "/reservations"): {"200", "201", "409"},
    ("inventory", "get", "/reservations/{reservation_id}"): {"404"},
    ("inventory", "post", "/reservations/{reservation_id}/commit"): {"404", "409"},
    ("inventory", "post", "/reservations/{reservation_id}/release"): {"404", "409"},
    ("inventory", "post", "/reservations/{reservation_id}/restock"): {"404", "409"},
    ("cart", "post", "/cart/{user_id}/items"): {"400", "404"},
    ("cart", "put", "/cart/{user_id}/items/{product_id}"): {"400", "404"},
    ("cart", "delete", "/cart/{user_id}/items/{product_id}"): {"404"},
    ("order", "post", "/orders"): {"400", "409", "429"},
    ("order", "get", "/orders/{order_id}"): {"404"},
    ("order", "put", "/orders/{order_id}/status"): {"404", "409"},
    ("order", "post", "/orders/{order_id}/cancel"): {"404", "409"},
    ("order", "post", "/orders/{order_id}/payment"): {"400", "404", "409", "429"},
    ("payment", "get", "/payments/{payment_id}"): {"404"},
    ("payment", "get", "/payments/order/{order_id}"): {"404"},
    ("payment", "post", "/payments/{payment_id}/refund"): {"404", "409"},
}


async def _spec(shop: Shop, service: str) -> dict[str, Any]:
    response = await shop.call(service, "GET", "/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def _schema_ref(operation: dict[str, Any], status: str) -> str:
    return str(operation["responses"][status]["content"]["application/json"]["schema"]["$ref"])


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_every_operation_documents_the_platform_errors(shop: Shop, service: str) -> None:
    spec = await _spec(shop, service)
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's shape; ecart never sends it
    assert set(schemas["InvalidRequest"]["required"]) == {"detail"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{service} {method.upper()} {path}"
            statuses = set(operation["responses"])
            if operation.get("parameters") or "requestBody" in operation:
                assert _schema_ref(operation, "422").endswith("/InvalidRequest"), where
            if "requestBody" in operation:
                assert {"400", "413"} <= statuses, where
            if operation.get("security"):
                assert {"401", "403"} <= statuses, where
                assert _schema_ref(operation, "401").endswith("/Error"), where


async def test_routes_document_what_their_use_cases_answer(shop: Shop) -> None:
    for (service, method, path), statuses in DECLARED.items():
        operation = (await _spec(shop, service))["paths"][path][method]
        assert statuses <= set(operation["responses"]), (service, method, path)


async def test_error_bodies_match_the_documented_schemas(shop: Shop) -> None:
    not_found = await shop.call("catalog", "GET", "/products/999999")
    assert not_found.status_code == 404
    Error.model_validate(not_found.json())
    invalid = await shop.call("catalog", "GET", "/products/0")
    assert invalid.status_code == 422
    assert InvalidRequest.model_validate(invalid.json()).errors
    unauthenticated = await shop.call("catalog", "DELETE", "/products/1")
    assert unauthenticated.status_code == 401
    Error.model_validate(unauthenticated.json())


async def test_method_not_allowed_names_every_method_of_the_path(shop: Shop) -> None:
    response = await shop.call("catalog", "PATCH", "/products/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PUT, DELETE"
    assert response.json() == {"detail": "Method Not Allowed"}
    listing = await shop.call("catalog", "OPTIONS", "/products")
    assert listing.headers["allow"] == "GET, POST"
    cart = await shop.call("cart", "POST", "/cart/1")
    assert cart.headers["allow"] == "GET, DELETE"
