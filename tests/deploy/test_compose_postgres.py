"""The Compose stack's PostgreSQL init script (`deploy/compose/postgres/init-databases.sh`),
run the way the official image runs it (psql as POSTGRES_USER over the local socket) against
a real, throw-away PostgreSQL cluster: a role and a database per service, each role locked
out of the others' databases, and a second run harmless."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.conftest import DEPLOY

INIT_SCRIPT = DEPLOY / "compose" / "postgres" / "init-databases.sh"
DATABASE_SERVICES = ("users", "catalog", "inventory", "cart", "order", "payment", "notifications")
PASSWORDS = {name: f"pw-{name}-0123456789abcdef" for name in DATABASE_SERVICES}


def pg_bin(tool: str) -> str:
    found = shutil.which(tool) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), reverse=True)), None
    )
    if found is None:
        reason = f"PostgreSQL's {tool} is not installed"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def as_cluster_owner(*args: str) -> list[str]:
    """PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@dataclass(frozen=True)
class Cluster:
    socket_dir: Path
    port: int

    def psql(self, *args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
        local = ["--host", str(self.socket_dir), "--port", str(self.port), "--username", "postgres"]
        target = [url] if url else local
        return subprocess.run(  # noqa: S603 (psql, on our own cluster)
            [pg_bin("psql"), "--no-psqlrc", "-tAX", "-v", "ON_ERROR_STOP=1", *target, *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def url(self, role: str, password: str, database: str) -> str:
        return f"postgresql://{role}:{password}@127.0.0.1:{self.port}/{database}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    home = Path(tempfile.mkdtemp(prefix="ecart-compose-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    data, port = home / "data", free_port()
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -k {home} -c fsync=off"
    try:
        for command in (
            [initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--auth-host=scram-sha-256"],
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "start"],
        ):
            subprocess.run(  # noqa: S603
                as_cluster_owner(*command), cwd="/", check=True, capture_output=True, timeout=120
            )
        yield Cluster(home, port)
    finally:
        subprocess.run(  # noqa: S603
            as_cluster_owner(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"),
            cwd="/",
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(home, ignore_errors=True)


def run_init_script(cluster: Cluster) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{Path(pg_bin('psql')).parent}:{os.environ['PATH']}",
        "POSTGRES_USER": "postgres",
        "PGHOST": str(cluster.socket_dir),
        "PGPORT": str(cluster.port),
        **{f"PG_{name.upper()}_PASSWORD": pw for name, pw in PASSWORDS.items()},
    }
    return subprocess.run(  # noqa: S603
        ["bash", str(INIT_SCRIPT)],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def initialised(cluster: Cluster) -> Cluster:
    for _ in range(2):  # the second run must change nothing and fail on nothing
        result = run_init_script(cluster)
        assert result.returncode == 0, result.stderr
    return cluster


def test_a_database_owned_by_a_role_per_service(initialised: Cluster) -> None:
    result = initialised.psql(
        "-c", "SELECT datname || '=' || pg_get_userbyid(datdba) FROM pg_database"
    )
    assert result.returncode == 0, result.stderr
    owners = result.stdout.split()
    for name in DATABASE_SERVICES:
        assert f"ecart_{name}=ecart_{name}" in owners


def test_each_role_reaches_its_own_database(initialised: Cluster) -> None:
    for name, password in PASSWORDS.items():
        role = f"ecart_{name}"
        result = initialised.psql(
            "-c", "SELECT current_user", url=initialised.url(role, password, role)
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == role


def test_no_role_reaches_another_services_database(initialised: Cluster) -> None:
    cart = initialised.url("ecart_cart", PASSWORDS["cart"], "ecart_order")
    result = initialised.psql("-c", "SELECT 1", url=cart)
    assert result.returncode != 0
    assert "permission denied for database" in result.stderr


def test_a_wrong_password_is_refused(initialised: Cluster) -> None:
    wrong = initialised.url("ecart_cart", "not-the-password", "ecart_cart")
    result = initialised.psql("-c", "SELECT 1", url=wrong)
    assert result.returncode != 0
    assert "password authentication failed" in result.stderr


def test_a_missing_password_stops_the_script(cluster: Cluster) -> None:
    env_without = {"PATH": os.environ["PATH"], "PGHOST": str(cluster.socket_dir)}
    result = subprocess.run(  # noqa: S603
        ["bash", str(INIT_SCRIPT)],  # noqa: S607
        env=env_without,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "PG_USERS_PASSWORD is not set" in result.stderr
