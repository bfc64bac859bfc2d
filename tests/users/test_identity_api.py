from __future__ import annotations

from tests.conftest import ADMIN_EMAIL, PASSWORD, Shop

SERVICES = ["users"]


async def test_register_login_and_me(shop: Shop) -> None:
    response = await shop.call(
        "users",
        "POST",
        "/auth/register",
        json={"email": "Alice@Example.COM", "password": PASSWORD, "name": "Alice", "role": "admin"},
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == "alice@example.com"
    assert user["role"] == "customer"  # a role in the body is ignored
    assert isinstance(user["id"], str)

    token = await shop.login("ALICE@example.com", PASSWORD)
    me = await shop.call("users", "GET", "/users/me", token)
    assert me.status_code == 200
    assert me.json() == {**user, "created_at": me.json()["created_at"]}


async def test_token_response_shape(shop: Shop) -> None:
    response = await shop.call(
        "users", "POST", "/auth/token", data={"username": ADMIN_EMAIL, "password": "x" * 20}
    )
    assert response.status_code == 401
    user_id, _ = await shop.new_customer()
    assert user_id
