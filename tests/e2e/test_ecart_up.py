"""Boots the real `ecart up` (every service on its own port, on the suite's backends: SQLite
and the in-process bus, or PostgreSQL, Kafka and Redis; demo data) and drives the whole flow
over HTTP: browse → cart → order → pay → fulfil, and cancel another order to see the stock
come back."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from bench.shop import loopback_urls
from sqlalchemy.engine import make_url

from ecart.platform.settings import SERVICE_NAMES
from ecart.registry import SERVICES
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, backend

pytestmark = pytest.mark.e2e


def _tail(path: Path) -> str:
    return path.read_text()[-3000:]


@dataclass(frozen=True)
class Running:
    urls: dict[str, str]
    data_dir: Path
    database_passwords: tuple[str, ...] = ()

    @property
    def log(self) -> Path:
        return self.data_dir / "ecart-up.log"


@pytest.fixture(scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    data_dir = tmp_path_factory.mktemp("e2e")
    services = (*SERVICE_NAMES, "notifications", "gateway")
    urls = loopback_urls(services)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECART_")}
    env.update(
        ECART_DATA_DIR=str(data_dir),
        ECART_SEED_DEMO_DATA="true",
        ECART_ADMIN_EMAIL=ADMIN_EMAIL,
        ECART_ADMIN_PASSWORD=ADMIN_PASSWORD,
        ECART_LOG_LEVEL="DEBUG",  # everything is logged: the secrets test reads it all
    )
    for name, url in urls.items():
        env[f"ECART_{name.upper()}_URL"] = url
        env[f"ECART_{name.upper()}_PORT"] = url.rsplit(":", 1)[1]
    # On the production backend: Kafka, the Redis cache and rate limits, in a namespace.
    namespace = f"e2e{os.getpid()}"
    env["ECART_NAMESPACE"] = namespace
    env.update({f"ECART_{k.upper()}": str(v) for k, v in backend().shop_settings().items()})
    with_database = [name for name in services if SERVICES[name].database]
    async with backend().databases(with_database, data_dir) as databases:
        if backend().is_postgres:
            for name, database_url in databases.items():
                env[f"ECART_{name.upper()}_DATABASE_URL"] = database_url
        passwords = tuple(p for u in databases.values() if (p := make_url(u).password))
        log = (data_dir / "ecart-up.log").open("wb")
        process = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", "ecart", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            await _wait_healthy(urls, process, data_dir / "ecart-up.log")
            yield Running(urls, data_dir, passwords)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                code = await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
            finally:
                log.close()
    await backend().clear_namespace(namespace)
    assert code == 0, (data_dir / "ecart-up.log").read_text()[-3000:]


async def _wait_healthy(urls: dict[str, str], process: subprocess.Popen[bytes], log: Path) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(300):
            if process.poll() is not None:
                raise AssertionError(f"ecart up exited: {_tail(log)}")
            try:
                statuses = [(await client.get(f"{u}/health")).status_code for u in urls.values()]
            except httpx.TransportError:
                statuses = []
            if statuses and all(s == 200 for s in statuses):
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"services not healthy in 30 s: {_tail(log)}")


async def _token(client: httpx.AsyncClient, users: str, email: str, password: str) -> str:
    response = await client.post(
        f"{users}/auth/token", data={"username": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_whole_flow_over_real_http(platform: Running) -> None:
    u = platform.urls
    async with httpx.AsyncClient(timeout=10) as http:
        for name, url in u.items():
            assert (await http.get(f"{url}/health")).json() == {
                "status": "healthy",
                "service": name,
            }
            assert (await http.get(f"{url}/docs")).status_code == 200

        # Browse: the demo catalog is seeded on first start (stock comes from inventory).
        products: list[dict[str, object]] = []
        for _ in range(100):
            products = (await http.get(f"{u['catalog']}/products")).json()
            if any(p["name"] == "Laptop" and p["stock"] for p in products):
                break
            await asyncio.sleep(0.1)
        laptop = next(p for p in products if p["name"] == "Laptop")
        assert laptop["price"] == 999.99
        stock_before = int(laptop["stock"])  # type: ignore[call-overload]
        assert stock_before >= 2

        # The same catalog through the gateway (the local edge), with its security headers.
        via_gateway = await http.get(f"{u['gateway']}/api/catalog/products")
        assert via_gateway.status_code == 200, via_gateway.text
        assert laptop["id"] in [p["id"] for p in via_gateway.json()]
        assert via_gateway.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in via_gateway.headers["content-security-policy"]
        assert (await http.get(f"{u['gateway']}/ready")).status_code == 200
        home = (await http.get(f"{u['gateway']}/")).text
        assert 'id="root"' in home or "catalog" in home  # the web app or the built-in page

        # Register and sign in.
        email = "e2e-customer@example.com"
        registered = await http.post(
            f"{u['users']}/auth/register",
            json={"email": email, "password": PASSWORD, "name": "E2E"},
        )
        assert registered.status_code == 201
        user_id = registered.json()["id"]
        auth = {"Authorization": f"Bearer {await _token(http, u['users'], email, PASSWORD)}"}
        admin = {
            "Authorization": f"Bearer {await _token(http, u['users'], ADMIN_EMAIL, ADMIN_PASSWORD)}"
        }
        assert (await http.get(f"{u['cart']}/cart/{user_id}")).status_code == 401

        # Cart → order → pay → fulfil.
        added = await http.post(
            f"{u['cart']}/cart/{user_id}/items",
            json={"product_id": laptop["id"], "quantity": 1},
            headers=auth,
        )
        assert added.status_code == 200, added.text
        order = await http.post(f"{u['order']}/orders", json={"user_id": user_id}, headers=auth)
        assert order.status_code == 201, order.text
        order_id = order.json()["id"]
        assert order.json()["total_amount"] == 999.99
        paid = await http.post(
            f"{u['order']}/orders/{order_id}/payment",
            json={"payment_method": "pm_card_success"},
            headers=auth,
        )
        assert paid.status_code == 200, paid.text
        assert paid.json()["status"] == "paid"
        for status in ("processing", "shipped"):
            moved = await http.put(
                f"{u['order']}/orders/{order_id}/status", json={"status": status}, headers=admin
            )
            assert moved.json()["status"] == status

        # Another order, cancelled: its stock comes back, and catalog shows it within 1 s.
        await http.post(
            f"{u['cart']}/cart/{user_id}/items",
            json={"product_id": laptop["id"], "quantity": 1},
            headers=auth,
        )
        second = await http.post(f"{u['order']}/orders", json={"user_id": user_id}, headers=auth)
        assert second.status_code == 201
        reserved = await http.get(f"{u['inventory']}/stock/{laptop['id']}")
        assert reserved.json()["available"] == stock_before - 2
        cancelled = await http.post(
            f"{u['order']}/orders/{second.json()['id']}/cancel", headers=auth
        )
        assert cancelled.json()["status"] == "cancelled"
        returned = await http.get(f"{u['inventory']}/stock/{laptop['id']}")
        assert returned.json()["available"] == stock_before - 1
        shown = None
        for _ in range(20):
            shown = (await http.get(f"{u['catalog']}/products/{laptop['id']}")).json()["stock"]
            if shown == stock_before - 1:
                break
            await asyncio.sleep(0.05)
        assert shown == stock_before - 1

        history = await http.get(f"{u['order']}/orders/user/{user_id}", headers=auth)
        assert [o["status"] for o in history.json()] == ["cancelled", "shipped"]


async def test_no_secret_or_card_data_reaches_the_logs(platform: Running) -> None:
    """A flow with logging at DEBUG: no password, hash, token, key, client secret or card
    number appears in what the platform logged, nor in the answers it gave."""
    u = platform.urls
    email, password, wrong = (
        "leak-check@example.com",
        "leak-check-passphrase-1",
        "wrong-guess-7731x",
    )
    card = "4000056655665556"
    seen: list[str] = []
    async with httpx.AsyncClient(timeout=10) as http:
        body = {"email": email, "password": password, "name": "Leak"}
        seen.append((await http.post(f"{u['users']}/auth/register", json=body)).text)
        for attempt in (wrong, password):
            answer = await http.post(
                f"{u['users']}/auth/token", data={"username": email, "password": attempt}
            )
            seen.append(answer.text)
        token = answer.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        user_id = (await http.get(f"{u['users']}/users/me", headers=auth)).json()["id"]
        products = (await http.get(f"{u['catalog']}/products")).json()
        line = {"product_id": products[0]["id"], "quantity": 1}
        await http.post(f"{u['cart']}/cart/{user_id}/items", json=line, headers=auth)
        order = (
            await http.post(f"{u['order']}/orders", json={"user_id": user_id}, headers=auth)
        ).json()
        paid = await http.post(
            f"{u['order']}/orders/{order['id']}/payment",
            json={"payment_method": "pm_card_success", "card_number": card, "cvv": "123"},
            headers=auth,
        )
        seen.append(paid.text)
        bad = await http.post(
            f"{u['users']}/auth/register", json={"email": email, "password": password}
        )
        seen.append(bad.text)
    await asyncio.sleep(0.5)  # let the log lines of the last requests land
    logged = _read(platform.log)
    client_secrets = json.loads(_read(platform.data_dir / "secrets" / "service-clients.json"))
    signing_key = _read(platform.data_dir / "users" / "signing-key.pem")
    key_body = signing_key.split("-----")[2].strip()
    forbidden = [password, wrong, ADMIN_PASSWORD, token, card, "$argon2", key_body]
    forbidden += list(client_secrets.values()) + list(platform.database_passwords)
    assert len(logged) > 1000  # DEBUG logging really was on
    for secret in forbidden:
        assert secret not in logged, f"{secret[:12]}… appears in the logs"
        for text in seen:
            assert secret == token or secret not in text


def _read(path: Path) -> str:
    return path.read_text()
