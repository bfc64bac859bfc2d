"""What every service's HTTP layer does: probes, JSON errors, request ids, body limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import Shop

SERVICES = ["users"]


async def test_health_has_the_seed_shape(shop: Shop) -> None:
    response = await shop.call("users", "GET", "/health")
    assert response.json() == {"status": "healthy", "service": "users"}


async def test_ready_checks_the_database(shop: Shop) -> None:
    response = await shop.call("users", "GET", "/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}


async def test_openapi_and_docs_are_served(shop: Shop) -> None:
    spec = (await shop.call("users", "GET", "/openapi.json")).json()
    assert "/auth/register" in spec["paths"]
    assert (await shop.call("users", "GET", "/docs")).status_code == 200


async def test_request_id_is_echoed_or_generated(shop: Shop) -> None:
    echoed = await shop.call("users", "GET", "/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await shop.call("users", "GET", "/health", headers={"X-Request-ID": "<bad id>"})
    assert generated.headers["x-request-id"] not in ("", "<bad id>")


async def test_malformed_json_is_a_400_with_a_message(shop: Shop) -> None:
    response = await shop.call(
        "users",
        "POST",
        "/auth/register",
        content=b'{"email": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Malformed JSON body"}


async def test_validation_error_names_the_field_and_echoes_no_input(shop: Shop) -> None:
    response = await shop.call(
        "users", "POST", "/auth/register", json={"email": 12, "password": ["x"], "name": ""}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Invalid request: ")
    assert "email" in body["detail"]
    assert all("input" not in error for error in body["errors"])


async def test_unknown_route_is_a_json_404(shop: Shop) -> None:
    response = await shop.call("users", "GET", "/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


async def test_oversize_body_is_refused_with_413(shop: Shop) -> None:
    big = b'{"email": "' + b"a" * 2_000_000 + b'"}'
    response = await shop.call(
        "users", "POST", "/auth/register", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


async def test_oversize_streamed_body_without_length_is_refused(shop: Shop) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"email": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    response = await shop.call(
        "users",
        "POST",
        "/auth/register",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize("value", ["abc", "-5", "99999999999999999999"])
async def test_bad_query_values_are_422(shop: Shop, value: str) -> None:
    response = await shop.call("users", "GET", "/users", shop.admin_token, params={"limit": value})
    assert response.status_code == 422
