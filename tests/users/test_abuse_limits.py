"""Failed logins: at most 10 per account per 15 min; registrations: at most 20 per address
per minute; both → 429 with Retry-After. Keys are the peer address unless it is a trusted
proxy, then X-Forwarded-For."""

from __future__ import annotations

from tests.conftest import PASSWORD, Shop

SERVICES = ["users"]
OVERRIDES = {"users": {"register_rate_limit": "20/minute", "trusted_proxies": "10.0.0.0/8"}}


def _body(n: int) -> dict[str, str]:
    return {"email": f"reg{n}@example.com", "password": PASSWORD, "name": "R"}


async def test_registrations_are_limited_per_address(fresh_shop: Shop) -> None:
    async with fresh_shop.client("users") as client:
        statuses = [
            (await client.post("/auth/register", json=_body(n))).status_code for n in range(20)
        ]
        assert statuses == [201] * 20
        refused = await client.post("/auth/register", json=_body(99))
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "Too many registrations" in refused.json()["detail"]


async def test_forwarded_for_is_ignored_from_an_untrusted_peer(fresh_shop: Shop) -> None:
    async with fresh_shop.client("users") as client:
        for n in range(20):
            await client.post(
                "/auth/register", json=_body(n), headers={"X-Forwarded-For": f"192.0.2.{n}"}
            )
        refused = await client.post(
            "/auth/register", json=_body(50), headers={"X-Forwarded-For": "198.51.100.7"}
        )
    assert refused.status_code == 429  # the peer (127.0.0.1) is the key, not the header


async def test_failed_logins_lock_the_account_not_others(fresh_shop: Shop) -> None:
    for email in ("victim@example.com", "bystander@example.com"):
        await fresh_shop.call(
            "users",
            "POST",
            "/auth/register",
            json={"email": email, "password": PASSWORD, "name": "V"},
        )
    async with fresh_shop.client("users") as client:
        for _ in range(10):
            wrong = await client.post(
                "/auth/token", data={"username": "victim@example.com", "password": "w" * 14}
            )
            assert wrong.status_code == 401
        locked = await client.post(
            "/auth/token", data={"username": "Victim@Example.com", "password": PASSWORD}
        )
        other = await client.post(
            "/auth/token", data={"username": "bystander@example.com", "password": PASSWORD}
        )
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 60
    assert other.status_code == 200
