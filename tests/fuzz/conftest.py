"""The fuzz suite's platform: the real `ecart up` (six services, SQLite, demo data) on free
ports, plus a token for every role and each service's OpenAPI schema loaded by schemathesis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from bench.shop import loopback_urls

from ecart.platform.settings import SERVICE_NAMES
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD


@dataclass(frozen=True)
class Platform:
    urls: dict[str, str]
    tokens: dict[str, str]  # role → bearer token
    customer_id: str


def _wait_healthy(urls: dict[str, str], process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"ecart up exited: {log.read_text()[-3000:]}")
            try:
                if all(client.get(f"{u}/health").status_code == 200 for u in urls.values()):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise AssertionError(f"services not healthy in 60 s: {log.read_text()[-3000:]}")


def _tokens(users: str, data_dir: Path) -> tuple[dict[str, str], str]:
    secrets = json.loads((data_dir / "secrets" / "service-clients.json").read_text())
    with httpx.Client(base_url=users, timeout=30) as http:

        def token(form: dict[str, str]) -> str:
            response = http.post("/auth/token", data=form)
            assert response.status_code == 200, response.text
            return str(response.json()["access_token"])

        email = "fuzz-customer@example.com"
        registered = http.post(
            "/auth/register", json={"email": email, "password": PASSWORD, "name": "Fuzz"}
        )
        assert registered.status_code == 201, registered.text
        tokens = {
            "customer": token({"username": email, "password": PASSWORD}),
            "admin": token({"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            "service": token(
                {
                    "grant_type": "client_credentials",
                    "client_id": "order",
                    "client_secret": secrets["order"],
                }
            ),
        }
        return tokens, str(registered.json()["id"])


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    urls = loopback_urls(SERVICE_NAMES)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECART_")}
    env.update(
        ECART_DATA_DIR=str(data_dir),
        ECART_SEED_DEMO_DATA="true",
        ECART_ADMIN_EMAIL=ADMIN_EMAIL,
        ECART_ADMIN_PASSWORD=ADMIN_PASSWORD,
        ECART_LOG_LEVEL="WARNING",
        ECART_USERS_REGISTER_RATE_LIMIT="100000/minute",
    )
    for name, url in urls.items():
        env[f"ECART_{name.upper()}_URL"] = url
        env[f"ECART_{name.upper()}_PORT"] = url.rsplit(":", 1)[1]
    log_path = data_dir / "ecart-up.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "ecart", "up", *SERVICE_NAMES],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(urls, process, log_path)
            tokens, customer_id = _tokens(urls["users"], data_dir)
            yield Platform(urls=urls, tokens=tokens, customer_id=customer_id)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert process.returncode == 0, log_path.read_text()[-3000:]
