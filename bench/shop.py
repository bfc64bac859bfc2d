"""Boots the platform under test: `ecart up` on free loopback ports, on the embedded default
(SQLite files, in-process bus) or on PostgreSQL + Kafka + Redis (`make services`), plus the
bare-Starlette ceiling. Tokens are minted with the signing key the harness hands to the
users service, the way `tests/conftest.py` `Shop.buyers` does, so no Argon2 login is paid
per virtual user."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecart.platform.auth import ALGORITHM
from ecart.users.keys import thumbprint

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("users", "catalog", "inventory", "cart", "order", "payment", "notifications", "gateway")
CLIENTS = ("users", "catalog", "inventory", "cart", "order", "payment", "notifications")
ADMIN = ("bench-admin@example.com", "bench-admin-passphrase-2026")
# What the services check in every token (ecart's defaults).
AUDIENCE, ISSUER = "ecart", "ecart-users"
SERVER_CPU, LOAD_CPU = 0, 1
POOL = (6, 4)  # PostgreSQL connections per service: pool size, overflow
# The checkout, payment and registration throttles protect a shop from one abusive
# account; a benchmark is thousands of accounts on one address, so they are raised.
UNTHROTTLED = {
    "ECART_ORDER_CHECKOUT_RATE_LIMIT": "10000000/minute",
    "ECART_ORDER_PAYMENT_RATE_LIMIT": "10000000/minute",
    "ECART_USERS_REGISTER_RATE_LIMIT": "10000000/minute",
    "ECART_PAYMENT_SUCCESS_RATE": "1.0",
}


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports: every socket stays bound until all are chosen
    (one at a time, the kernel may hand the same port out twice)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def loopback_urls(names: Iterable[str]) -> dict[str, str]:
    """A `http://127.0.0.1:<free port>` for each name, no two alike."""
    chosen = list(names)
    return {
        n: f"http://127.0.0.1:{p}" for n, p in zip(chosen, free_ports(len(chosen)), strict=True)
    }


def can_pin() -> bool:
    """Pinning needs `taskset` and at least two CPUs this process may use."""
    return shutil.which("taskset") is not None and len(os.sched_getaffinity(0)) >= 2


def pin_prefix(pin: bool) -> list[str]:
    return ["taskset", "-c", str(SERVER_CPU)] if pin else []


def pin_load_generator(pin: bool) -> None:
    if pin:
        os.sched_setaffinity(0, {LOAD_CPU})


def rss_mb(pid: int) -> float:
    """VmRSS of a process, MB (from /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class Production:
    """PostgreSQL + Kafka + Redis from `make services`: one fresh database per service
    (as `tests/backends.py` does) and a namespace of its own for topics and keys."""

    backend: Any  # tests.backends.Backend
    namespace: str = field(default_factory=lambda: f"bench{os.getpid()}")
    urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_services(cls) -> Production:
        env_file, port_file = ROOT / ".env.services", ROOT / ".services" / "postgres.port"
        if not env_file.exists() or not port_file.exists():
            raise SystemExit("--backend production needs `make services` first (no .env.services)")
        values = dict(
            line.split("=", 1)
            for line in env_file.read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )
        password = (ROOT / ".services" / "secrets" / "pg-postgres").read_text().strip()
        port = port_file.read_text().strip()
        sys.path.insert(0, str(ROOT))
        from tests.backends import Backend

        backend = Backend(
            "production",
            postgres_url=f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres",
            kafka=values["ECART_KAFKA_BOOTSTRAP_SERVERS"],
            redis=values["ECART_REDIS_URL"],
        )
        return cls(backend)

    async def create(self) -> dict[str, str]:
        await self.backend.check()
        if self.backend.unavailable:
            raise SystemExit(self.backend.unavailable)
        for name in CLIENTS:
            self.urls[name] = await self.backend.create_database(name)
        return self.env()

    def env(self) -> dict[str, str]:
        env = {f"ECART_{name.upper()}_DATABASE_URL": url for name, url in self.urls.items()}
        # Seven services x (pool + overflow) must fit PostgreSQL's 100 connections.
        for name in self.urls:
            env[f"ECART_{name.upper()}_DB_POOL_SIZE"] = str(POOL[0])
            env[f"ECART_{name.upper()}_DB_MAX_OVERFLOW"] = str(POOL[1])
        env.update(
            ECART_BUS="kafka",
            ECART_KAFKA_BOOTSTRAP_SERVERS=self.backend.kafka,
            ECART_REDIS_URL=self.backend.redis,
            ECART_RATE_LIMIT_STORAGE=self.backend.redis,
            ECART_NAMESPACE=self.namespace,
        )
        return env

    async def drop(self) -> None:
        for url in self.urls.values():
            with contextlib.suppress(Exception):
                await self.backend.drop_database(url)
        with contextlib.suppress(Exception):
            await self.backend.clear_namespace(self.namespace)


@dataclass
class Shop:
    """A running `ecart up` and what the harness needs to act in it."""

    process: subprocess.Popen[bytes]
    urls: dict[str, str]
    data_dir: Path
    key: Ed25519PrivateKey
    client_secrets: dict[str, str]
    backend: str
    ready_seconds: float = 0.0
    database_urls: dict[str, str] = field(default_factory=dict)
    admin_headers: dict[str, str] = field(default_factory=dict)
    service_headers: dict[str, str] = field(default_factory=dict)

    def token(self, subject: str, role: str = "customer", ttl: int = 3600) -> str:
        now = int(time.time())
        claims = {
            "sub": subject,
            "role": role,
            "aud": AUDIENCE,
            "iss": ISSUER,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
        }
        kid = _thumbprint(self.key)
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"kid": kid})

    def bearer(self, subject: str, role: str = "customer") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(subject, role)}"}

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    def database_url(self, service: str) -> str:
        return self.database_urls.get(service) or f"sqlite:///{self.data_dir / f'{service}.db'}"


def _thumbprint(key: Ed25519PrivateKey) -> str:
    return thumbprint(key.public_key())


@contextlib.asynccontextmanager
async def running_shop(
    data_dir: Path,
    *,
    backend: str = "embedded",
    pin: bool = False,
    seed_demo: bool = False,
    what_if: str = "",
    profile: Path | None = None,
    settings: dict[str, str] | None = None,
) -> AsyncIterator[Shop]:
    """Boots `ecart up` (with `settings`: extra `ECART_*` variables), times it to ready,
    logs the admin in once, and stops it after."""
    production = Production.from_services() if backend == "production" else None
    extra = await production.create() if production else {}
    try:
        shop = _boot(
            data_dir,
            {**extra, **(settings or {})},
            backend=backend,
            pin=pin,
            seed_demo=seed_demo,
            what_if=what_if,
            profile=profile,
        )
        if production:
            shop.database_urls = dict(production.urls)
        try:
            shop.ready_seconds = await wait_ready(shop.urls, shop.process)
            await authenticate(shop)
            yield shop
        finally:
            stop(shop.process)
    finally:
        if production:
            await production.drop()


@dataclass(frozen=True)
class Identity:
    """What every process of one shop shares: the services' URLs (free loopback ports), the
    users service's signing key and the service clients' secrets."""

    urls: dict[str, str]
    key: Ed25519PrivateKey
    client_secrets: dict[str, str]

    @classmethod
    def new(cls) -> Identity:
        urls = loopback_urls(SERVICES)
        secrets_ = {name: secrets.token_urlsafe(24) for name in CLIENTS}
        return cls(urls, Ed25519PrivateKey.generate(), secrets_)

    def env(self, data_dir: Path, extra: dict[str, str], *, seed_demo: bool) -> dict[str, str]:
        """The environment of an `ecart up` of this shop: this process's minus its `ECART_*`
        variables, the shop's settings, then `extra`; URLs and ports after `extra` unless
        `extra` names them (e.g. a service reached through a proxy)."""
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ECART_")}
        env.update(
            ECART_DATA_DIR=str(data_dir),
            ECART_SEED_DEMO_DATA=str(seed_demo).lower(),
            ECART_ADMIN_EMAIL=ADMIN[0],
            ECART_ADMIN_PASSWORD=ADMIN[1],
            ECART_LOG_LEVEL="WARNING",
            ECART_USERS_SIGNING_KEY=pem,
            **UNTHROTTLED,
            **extra,
        )
        for name, secret in self.client_secrets.items():
            env[f"ECART_{name.upper()}_CLIENT_SECRET"] = secret
        for name, url in self.urls.items():
            env.setdefault(f"ECART_{name.upper()}_URL", url)
            env.setdefault(f"ECART_{name.upper()}_PORT", url.rsplit(":", 1)[1])
        return env


def _boot(
    data_dir: Path,
    extra: dict[str, str],
    *,
    backend: str,
    pin: bool,
    seed_demo: bool,
    what_if: str = "",
    profile: Path | None = None,
) -> Shop:
    identity = Identity.new()
    env = identity.env(data_dir, extra, seed_demo=seed_demo)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "ecart.log").open("ab")
    module = "bench.whatif_nodelay" if what_if == "nodelay" else "ecart"
    # pyinstrument samples the whole process (every service) every millisecond.
    profiler = ["-m", "pyinstrument", "-r", "pyisession", "-o", str(profile)] if profile else []
    command = [*pin_prefix(pin), sys.executable, *profiler, "-m", module, "up"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    label = f"{backend}+{what_if}" if what_if else backend
    return Shop(process, identity.urls, data_dir, identity.key, identity.client_secrets, label)


async def wait_ready(
    urls: dict[str, str], process: subprocess.Popen[bytes], limit: float = 60.0
) -> float:
    """Seconds from now until every URL's /health answers 200 (the process was just
    started, so this is its start-to-ready time, to ~10 ms)."""
    started = time.perf_counter()
    pending = set(urls.values())
    async with httpx.AsyncClient(timeout=2) as http:
        while pending:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode} while starting")
            if time.perf_counter() - started > limit:
                raise SystemExit(f"not ready in {limit:.0f} s: {sorted(pending)}")
            for url in list(pending):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"{url}/health")).status_code == 200:
                        pending.discard(url)
            if pending:
                await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def authenticate(shop: Shop) -> None:
    """Logs the admin in and gets the order service's client-credentials token."""
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(
            f"{shop.urls['users']}/auth/token", data={"username": ADMIN[0], "password": ADMIN[1]}
        )
        answer.raise_for_status()
        shop.admin_headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        answer = await http.post(
            f"{shop.urls['users']}/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "order",
                "client_secret": shop.client_secrets["order"],
            },
        )
        answer.raise_for_status()
        shop.service_headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextlib.asynccontextmanager
async def ceiling_server(payload_file: Path, *, pin: bool) -> AsyncIterator[tuple[str, int]]:
    """The bare Starlette app (bench/ceiling.py) on a free port; yields (base URL, pid)."""
    port = free_port()
    command = [
        *pin_prefix(pin),
        sys.executable,
        "-m",
        "bench.ceiling",
        "--port",
        str(port),
        "--payload",
        str(payload_file),
    ]
    process = subprocess.Popen(command, cwd=ROOT)  # noqa: S603, ASYNC220 - returns at once
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_ready({"ceiling": url}, process)
        yield url, process.pid
    finally:
        stop(process)
