from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecart.users.app import create_app
from ecart.users.config import UsersSettings
from tests.conftest import ADMIN_EMAIL, PASSWORD, Shop

SERVICES = ["users"]


async def _register(shop: Shop, email: str, password: str = PASSWORD, **extra: object):
    body = {"email": email, "password": password, "name": "Someone", **extra}
    return await shop.call("users", "POST", "/auth/register", json=body)


async def test_register_login_and_me(shop: Shop) -> None:
    response = await _register(shop, "Alice@Example.COM", role="admin")
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == "alice@example.com"
    assert user["role"] == "customer"  # a role in the body is ignored
    assert isinstance(user["id"], str)
    assert "password" not in response.text and "hash" not in response.text

    token = await shop.login("ALICE@example.com", PASSWORD)
    me = await shop.call("users", "GET", "/users/me", token)
    assert me.status_code == 200
    assert {k: me.json()[k] for k in ("id", "email", "name", "role")} == {
        "id": user["id"],
        "email": "alice@example.com",
        "name": "Someone",
        "role": "customer",
    }
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == user["id"]
    assert claims["aud"] == "ecart"


async def test_token_response_shape(shop: Shop) -> None:
    await _register(shop, "shape@example.com")
    response = await shop.call(
        "users",
        "POST",
        "/auth/token",
        data={"username": "shape@example.com", "password": PASSWORD, "grant_type": "password"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert set(body) == {"access_token", "token_type", "expires_in"}


async def test_duplicate_email_is_409_case_insensitive(shop: Shop) -> None:
    assert (await _register(shop, "dup@example.com")).status_code == 201
    response = await _register(shop, "DUP@example.com")
    assert response.status_code == 409
    assert response.json() == {"detail": "Email already registered"}


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD, "name": "x"},
        {"email": "ok@example.com", "password": "short", "name": "x"},
        {"email": "ok@example.com", "password": "password1234", "name": "x"},
        {"email": "ok@example.com", "password": PASSWORD, "name": ""},
        {"email": "ok@example.com", "password": PASSWORD, "name": "   "},
        {"email": "ok@example.com", "password": PASSWORD},
        {"email": "ok@example.com", "password": 123456789012345, "name": "x"},
    ],
)
async def test_bad_registrations_are_422_with_a_message(
    shop: Shop, body: dict[str, object]
) -> None:
    response = await shop.call("users", "POST", "/auth/register", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_failed_logins_share_one_body(shop: Shop) -> None:
    await _register(shop, "bob@example.com")
    wrong_password = await shop.call(
        "users", "POST", "/auth/token", data={"username": "bob@example.com", "password": "nope" * 4}
    )
    unknown_user = await shop.call(
        "users",
        "POST",
        "/auth/token",
        data={"username": "nobody@example.com", "password": "x" * 12},
    )
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.content == unknown_user.content
    assert wrong_password.json() == {"detail": "Incorrect email or password"}


async def test_token_endpoint_edge_cases(shop: Shop) -> None:
    missing = await shop.call("users", "POST", "/auth/token", data={"username": "a@example.com"})
    assert missing.status_code == 422
    bad_grant = await shop.call(
        "users",
        "POST",
        "/auth/token",
        data={"grant_type": "implicit", "username": "a", "password": "b"},
    )
    assert bad_grant.status_code == 400


async def test_service_client_credentials(shop: Shop) -> None:
    token = await shop.service_token("users")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["role"] == "service"
    assert claims["sub"] == "service:users"
    bad = await shop.call(
        "users",
        "POST",
        "/auth/token",
        data={"grant_type": "client_credentials", "client_id": "order", "client_secret": "guess"},
    )
    assert bad.status_code == 401
    unknown = await shop.call(
        "users",
        "POST",
        "/auth/token",
        data={"grant_type": "client_credentials", "client_id": "hacker", "client_secret": "x"},
    )
    assert unknown.status_code == 401


async def test_me_requires_a_valid_token(shop: Shop) -> None:
    assert (await shop.call("users", "GET", "/users/me")).status_code == 401
    garbage = await shop.call("users", "GET", "/users/me", "not-a-jwt")
    assert garbage.status_code == 401
    assert garbage.headers["www-authenticate"] == "Bearer"


async def test_forged_expired_and_wrong_audience_tokens_are_refused(shop: Shop) -> None:
    user_id, token = await shop.new_customer()
    kid = jwt.get_unverified_header(token)["kid"]
    now = int(time.time())
    good = {"sub": user_id, "role": "admin", "aud": "ecart", "iss": "ecart-users", "iat": now}
    forger = Ed25519PrivateKey.generate()
    forged = jwt.encode({**good, "exp": now + 60}, forger, algorithm="EdDSA", headers={"kid": kid})
    unsigned = jwt.encode({**good, "exp": now + 60}, "", algorithm="none")
    ring = shop.platform.apps["users"].state.ctx.state["keyring"]
    expired = ring.sign({**good, "iat": now - 100}, ttl_seconds=-10)
    wrong_aud = ring.sign({**good, "aud": "other"}, ttl_seconds=60)
    for bad in (forged, unsigned, expired, wrong_aud):
        response = await shop.call("users", "GET", "/users", bad)
        assert response.status_code == 401, bad


async def test_jwks_publishes_the_signing_key(shop: Shop) -> None:
    body = (await shop.call("users", "GET", "/.well-known/jwks.json")).json()
    (key,) = body["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "EdDSA"
    assert "d" not in key  # never the private part


async def test_admin_is_bootstrapped_and_lists_users(shop: Shop) -> None:
    me = (await shop.call("users", "GET", "/users/me", shop.admin_token)).json()
    assert me["email"] == ADMIN_EMAIL and me["role"] == "admin"
    listing = await shop.call("users", "GET", "/users", shop.admin_token)
    assert listing.status_code == 200
    assert ADMIN_EMAIL in [u["email"] for u in listing.json()]


async def test_customer_cannot_list_users(shop: Shop) -> None:
    _, token = await shop.new_customer()
    response = await shop.call("users", "GET", "/users", token)
    assert response.status_code == 403


async def test_production_refuses_a_generated_signing_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("ECART_USERS_CLIENT_SECRET", "a-real-secret-from-the-vault-1234")
    settings = UsersSettings(environment="production", data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="ECART_USERS_SIGNING_KEY"):
        create_app(settings)


async def test_unknown_account_costs_one_password_verification_too(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No timing oracle: an unknown e-mail runs Argon2 verification exactly like a known one."""
    from ecart.users import service

    calls: list[str] = []
    real_verify = service._hasher.verify

    def counting_verify(password: str, hashed: str) -> bool:
        calls.append(hashed[:9])
        return bool(real_verify(password, hashed))

    monkeypatch.setattr(service._hasher, "verify", counting_verify)
    await _register(shop, "timing@example.com")
    for username in ("timing@example.com", "nobody-here@example.com"):
        await shop.call(
            "users", "POST", "/auth/token", data={"username": username, "password": "w" * 14}
        )
    assert calls == ["$argon2id", "$argon2id"]
