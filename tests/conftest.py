"""Shared fixtures: an in-process platform (every service, real lifespans, an ASGI transport
between them) on a fresh data dir, and helpers to make users and tokens.

The suite runs on the embedded default (SQLite, in-memory bus) and, with
`ECART_TEST_BACKEND=production` (or `--backend production`), on PostgreSQL + Kafka + Redis
(`ECART_TEST_POSTGRES_URL`, `ECART_TEST_KAFKA`, `ECART_TEST_REDIS`); `postgres` is PostgreSQL
alone. See tests/backends.py. Tests marked `sqlite_only` run on SQLite alone, `postgres_only`
on PostgreSQL alone (deselected on the other). A run whose servers are missing fails in CI
(`CI` set) and is skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export import SpanExporter

from ecart.local import LocalPlatform
from ecart.platform.bus import EventBus, Message
from ecart.registry import SERVICES
from tests.backends import BACKENDS, TEST_POOL, Backend, backend_from
from tests.bus_tap import BusTap

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct-horse-admin-2026"
PASSWORD = "a-long-enough-passphrase"
_counter = itertools.count(1)

# Tests never read the developer's environment (but `ECART_TEST_*` says where test backends are).
for _name in list(os.environ):
    if _name.startswith("ECART_") and not _name.startswith("ECART_TEST_"):
        del os.environ[_name]
os.environ["ECART_ADMIN_EMAIL"] = ADMIN_EMAIL
os.environ["ECART_ADMIN_PASSWORD"] = ADMIN_PASSWORD
os.environ["ECART_SEED_DEMO_DATA"] = "false"
os.environ["ECART_LOG_LEVEL"] = "WARNING"
# The suite registers many users from one address; tests/users/test_abuse_limits.py checks
# the real default limit on a platform of its own.
os.environ["ECART_USERS_REGISTER_RATE_LIMIT"] = "100000/minute"
BACKEND = backend_from(None, dict(os.environ))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="backends of the suite (default: $ECART_TEST_BACKEND or sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    global BACKEND
    config.addinivalue_line("markers", "sqlite_only: SQLite behaviour; not run on PostgreSQL")
    config.addinivalue_line("markers", "postgres_only: runs on the PostgreSQL backend only")
    BACKEND = backend_from(config.getoption("backend"), dict(os.environ))
    asyncio.run(BACKEND.check())
    if BACKEND.unavailable and os.environ.get("CI"):
        raise pytest.UsageError(f"the {BACKEND.name} backend was asked for: {BACKEND.unavailable}")


def pytest_report_header(config: pytest.Config) -> str:
    where = []
    if BACKEND.is_postgres:
        where.append(f"PostgreSQL {BACKEND.postgres_url.rsplit('@', 1)[-1]}")
    if BACKEND.name == "production":
        where += [f"Kafka {BACKEND.kafka}", f"Redis {BACKEND.redis.rsplit('@', 1)[-1]}"]
    return f"ecart backend: {BACKEND.name}" + (f" ({', '.join(where)})" if where else "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of the other backend are deselected (they run in that backend's pass, so they
    are not skipped: CI runs both passes)."""
    other = "sqlite_only" if BACKEND.is_postgres else "postgres_only"
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        if BACKEND.unavailable:
            item.add_marker(pytest.mark.skip(reason=BACKEND.unavailable))
        (drop if item.get_closest_marker(other) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def unique_email() -> str:
    return f"customer{next(_counter)}-{os.getpid()}@example.com"


class Shop:
    """A running in-process platform plus helpers to act as different people."""

    def __init__(self, platform: LocalPlatform, tap: BusTap) -> None:
        self.platform = platform
        self.tap = tap
        self.admin_token = ""

    @property
    def bus(self) -> EventBus:
        """The shop's event bus (in-memory or Kafka), e.g. to publish a crafted event."""
        return self.platform.runtime.bus

    def messages(self, topic: str) -> list[Message]:
        """What `topic` carried so far; on Kafka it arrives asynchronously (use `eventually`)."""
        return self.tap.messages(topic)

    def client(self, service: str, token: str | None = None) -> httpx.AsyncClient:
        return self.platform.client(service, token)

    async def call(
        self, service: str, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        async with self.client(service, token) as client:
            return await client.request(method, path, **kwargs)

    async def login(self, email: str, password: str) -> str:
        response = await self.call(
            "users", "POST", "/auth/token", data={"username": email, "password": password}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def new_customer(self, email: str | None = None) -> tuple[str, str]:
        """Registers a fresh customer; returns (user_id, token)."""
        email = email or unique_email()
        response = await self.call(
            "users",
            "POST",
            "/auth/register",
            json={"email": email, "password": PASSWORD, "name": "Test Customer"},
        )
        assert response.status_code == 201, response.text
        return response.json()["id"], await self.login(email, PASSWORD)

    def buyers(self, count: int) -> list[tuple[str, str]]:
        """(user_id, token) for `count` customers, tokens signed by the users service's own
        key (the real verification path) without paying for `count` Argon2 registrations."""
        ring = self.platform.apps["users"].state.ctx.state["keyring"]
        settings = self.platform.apps["users"].state.ctx.settings
        result = []
        for _ in range(count):
            user_id = f"buyer-{next(_counter)}"
            claims = {
                "sub": user_id,
                "role": "customer",
                "aud": settings.token_audience,
                "iss": settings.token_issuer,
            }
            result.append((user_id, ring.sign(claims, 600)))
        return result

    async def new_product(
        self,
        *,
        price: float = 10.0,
        stock: int = 10,
        name: str | None = None,
        category: str = "Test",
    ) -> dict[str, Any]:
        body = {
            "name": name or f"Product {next(_counter)}",
            "description": "made by a test",
            "price": price,
            "stock": stock,
            "category": category,
        }
        response = await self.call("catalog", "POST", "/products", self.admin_token, json=body)
        assert response.status_code == 201, response.text
        product: dict[str, Any] = response.json()
        return product

    async def add_to_cart(
        self, user_id: str, token: str, product_id: int, quantity: int = 1
    ) -> None:
        response = await self.call(
            "cart",
            "POST",
            f"/cart/{user_id}/items",
            token,
            json={"product_id": product_id, "quantity": quantity},
        )
        assert response.status_code == 200, response.text

    async def stock(self, product_id: int) -> int:
        response = await self.call("inventory", "GET", f"/stock/{product_id}")
        assert response.status_code == 200, response.text
        return int(response.json()["available"])

    async def catalog_stock(self, product_id: int) -> int:
        response = await self.call("catalog", "GET", f"/products/{product_id}")
        assert response.status_code == 200, response.text
        return int(response.json()["stock"])

    async def service_token(self, service: str = "order") -> str:
        return await self.platform.apps[service].state.ctx.tokens.token()  # type: ignore[no-any-return]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 1.0) -> None:
    """Polls `check` until it is true; fails after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true within {within} s")
        await asyncio.sleep(0.02)


async def _start_shop(
    data_dir: Path,
    *,
    services: list[str] | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    span_exporter: SpanExporter | None = None,
) -> AsyncIterator[Shop]:
    """A running platform on the suite's backend (fresh PostgreSQL databases, dropped after)."""
    with_database = [n for n in (services or SERVICES) if SERVICES[n].database]
    namespace = f"t{os.getpid()}-{next(_counter)}"
    async with BACKEND.databases(with_database, data_dir) as urls:
        merged = {name: dict(values) for name, values in (overrides or {}).items()}
        if BACKEND.is_postgres:
            for name, url in urls.items():
                merged[name] = {"database_url": url, **TEST_POOL, **merged.get(name, {})}
        # A namespace per shop: shops alive at once share Kafka and Redis, never their data.
        common = {"data_dir": data_dir, "namespace": namespace, **BACKEND.shop_settings()}
        platform = LocalPlatform(
            services, common=common, overrides=merged, span_exporter=span_exporter
        )
        try:
            async with platform.running():
                tap = BusTap(platform.runtime.bus)
                await tap.start()
                try:
                    shop = Shop(platform, tap)
                    shop.admin_token = await shop.login(ADMIN_EMAIL, ADMIN_PASSWORD)
                    yield shop
                finally:
                    await tap.stop()
        finally:
            await BACKEND.clear_namespace(namespace)


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database on the suite's backend."""
    async with BACKEND.databases(["scratch"], tmp_path) as urls:
        yield urls["scratch"]


def backend() -> Backend:
    return BACKEND


@pytest.fixture(scope="module")
async def shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Shop]:
    """One platform per test module; each test makes its own users and products.
    A module may set `SERVICES = [...]` to start only those, and `OVERRIDES` (settings by
    service)."""
    services = getattr(request.module, "SERVICES", None)
    overrides = getattr(request.module, "OVERRIDES", None)
    async for running in _start_shop(
        tmp_path_factory.mktemp("shop"), services=services, overrides=overrides
    ):
        yield running


@pytest.fixture
async def fresh_shop(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Shop]:
    """A platform of its own, for tests that need an empty shop."""
    services = getattr(request.module, "SERVICES", None)
    overrides = getattr(request.module, "OVERRIDES", None)
    async for running in _start_shop(tmp_path / "shop", services=services, overrides=overrides):
        yield running
