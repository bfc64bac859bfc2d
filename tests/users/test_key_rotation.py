"""Signing-key rotation without downtime, and retirement: services verify against the JWKS,
re-read it for an unknown key id at once and at least every `jwks_cache_seconds`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecart.platform.auth import InvalidToken, JwksKeySource, TokenVerifier
from ecart.users.keys import KeyRing, load_public_keys
from tests.conftest import Shop, _start_shop

SERVICES = ["users"]


def _claims(sub: str = "1") -> dict[str, Any]:
    return {"sub": sub, "role": "customer", "aud": "ecart", "iss": "ecart-users"}


def _pem(key: Ed25519PrivateKey, public: bool = False) -> str:
    if public:
        return (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class JwksServer:
    """Serves whatever key ring is current, like the users service across a redeploy."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self.fetches = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        return httpx.Response(200, json=self.ring.jwks())


async def test_rotation_then_retirement() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    server = JwksServer(KeyRing(old, []))
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    keys = JwksKeySource(http, "http://users/jwks", min_refresh_seconds=0, max_age_seconds=0.2)
    verifier = TokenVerifier(keys, audience="ecart", issuer="ecart-users")
    old_token = server.ring.sign(_claims("1"), 600)
    assert (await verifier.verify(old_token)).subject == "1"

    # Rotate: the new key signs, the old one is still published.
    server.ring = KeyRing(new, [old.public_key()])
    new_token = server.ring.sign(_claims("2"), 600)
    assert (await verifier.verify(new_token)).subject == "2"  # unknown kid → re-read at once
    assert (await verifier.verify(old_token)).subject == "1"  # tokens in flight keep working

    # Retire the old key: once the cached set is older than max_age, its tokens fail.
    server.ring = KeyRing(new, [])
    await asyncio.sleep(0.25)
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(old_token)
    assert (await verifier.verify(new_token)).subject == "2"
    await http.aclose()


async def test_unknown_kids_do_not_hammer_the_users_service() -> None:
    server = JwksServer(KeyRing(Ed25519PrivateKey.generate(), []))
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    keys = JwksKeySource(http, "http://users/jwks", min_refresh_seconds=60)
    stranger = KeyRing(Ed25519PrivateKey.generate(), [])
    verifier = TokenVerifier(keys, audience="ecart", issuer="ecart-users")
    for _ in range(20):
        with pytest.raises(InvalidToken):
            await verifier.verify(stranger.sign(_claims(), 60))
    assert server.fetches == 1
    await http.aclose()


def test_retired_keys_parse_from_public_and_private_pems() -> None:
    a, b = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    parsed = load_public_keys(_pem(a, public=True) + "\n" + _pem(b))
    assert [k.public_bytes_raw() for k in parsed] == [
        a.public_key().public_bytes_raw(),
        b.public_key().public_bytes_raw(),
    ]
    assert load_public_keys("") == []


async def test_users_service_signs_with_the_configured_key_and_accepts_retired(
    tmp_path: Any,
) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    overrides = {"users": {"signing_key": _pem(new), "retired_signing_keys": _pem(old, True)}}
    async for shop in _start_shop(tmp_path, services=SERVICES, overrides=overrides):
        jwks = (await shop.call("users", "GET", "/.well-known/jwks.json")).json()
        assert len(jwks["keys"]) == 2
        user_id, token = await shop.new_customer()
        issued_by_old = KeyRing(old, []).sign(
            {**_claims(user_id), "exp": int(time.time()) + 60}, 60
        )
        for bearer in (token, issued_by_old):
            assert (await shop.call("users", "GET", "/users/me", bearer)).status_code == 200


async def test_not_yet_valid_wrong_issuer_and_algorithm_confusion(shop: Shop) -> None:
    import jwt

    user_id, token = await shop.new_customer()
    ring: KeyRing = shop.platform.apps["users"].state.ctx.state["keyring"]
    now = int(time.time())
    future = jwt.encode(
        {**_claims(user_id), "iat": now, "nbf": now + 600, "exp": now + 900},
        ring.signing_key,
        algorithm="EdDSA",
        headers={"kid": ring.kid},
    )
    wrong_issuer = ring.sign({**_claims(user_id), "iss": "someone-else"}, 60)
    public_pem = _pem_public_of(ring)
    hmac_with_public_key = jwt.encode(
        {**_claims(user_id), "role": "admin", "iat": now, "exp": now + 60},
        public_pem,
        algorithm="HS256",
        headers={"kid": ring.kid},
    )
    for bad in (future, wrong_issuer, hmac_with_public_key, token + "x", ""):
        response = await shop.call("users", "GET", "/users/me", bad or None)
        assert response.status_code == 401, bad


def _pem_public_of(ring: KeyRing) -> bytes:
    return ring.signing_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
