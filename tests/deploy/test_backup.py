"""The backup and restore scripts the chart's CronJob and restore Job run
(`deploy/backup/`), against the real PostgreSQL (`ECART_TEST_POSTGRES_URL`, `make services`):
a database with data is backed up, restored into a fresh database, and compared; old sets
are pruned to the retention; a corrupted set is refused."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.deploy.conftest import DEPLOY

SCRIPTS = DEPLOY / "backup"
ROWS = "SELECT id, sku, price::text, note FROM products ORDER BY id"


def admin_url() -> str:
    url = os.environ.get("ECART_TEST_POSTGRES_URL", "")
    if not url:
        reason = "ECART_TEST_POSTGRES_URL is not set (make services; scripts/test-env.sh)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    if not shutil.which("pg_dump") or not shutil.which("psql"):
        pytest.fail("pg_dump, pg_restore and psql are needed (the postgresql client)")
    return url


def psql(url: str, sql: str) -> str:
    result = subprocess.run(  # noqa: S603
        ["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-At", "-d", url, "-c", sql],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def database_url(admin: str, name: str) -> str:
    """`name` on the same server, as a service's SQLAlchemy URL (asyncpg driver)."""
    url = make_url(admin).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """A source database with data and an empty target, both dropped afterwards."""
    admin = admin_url()
    suffix = secrets.token_hex(4)
    source, target = f"ecart_backup_src_{suffix}", f"ecart_backup_dst_{suffix}"
    for name in (source, target):
        psql(admin, f"CREATE DATABASE {name}")
    try:
        yield database_url(admin, source), database_url(admin, target)
    finally:
        for name in (source, target):
            psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def run_script(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        ["/bin/sh", str(SCRIPTS / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_backup_then_restore_into_a_fresh_database(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source, target = databases
    psql(
        libpq(source),
        "CREATE TABLE products (id serial PRIMARY KEY, sku text UNIQUE NOT NULL,"
        " price numeric(10,2) NOT NULL, note text);"
        "INSERT INTO products (sku, price, note) SELECT 'SKU-' || n, n * 1.25, repeat('é', n)"
        " FROM generate_series(1, 500) AS n;",
    )
    env = {
        "BACKUP_DIR": str(tmp_path),
        "BACKUP_SERVICES": "catalog",
        "ECART_CATALOG_DATABASE_URL": source,
    }
    backup = run_script("backup.sh", env)
    assert backup.returncode == 0, backup.stderr
    (backup_set,) = [p.name for p in tmp_path.iterdir()]
    assert sorted(p.name for p in (tmp_path / backup_set).iterdir()) == [
        "SHA256SUMS",
        "catalog.dump",
    ]

    restore = run_script(
        "restore.sh", {**env, "ECART_CATALOG_DATABASE_URL": target}, backup_set, "catalog"
    )
    assert restore.returncode == 0, restore.stderr
    assert psql(libpq(target), ROWS) == psql(libpq(source), ROWS)
    assert psql(libpq(target), "SELECT count(*) FROM products") == "500\n"
    # The sequence came along: the next row gets the next id, not a duplicate.
    psql(libpq(target), "INSERT INTO products (sku, price) VALUES ('new', 1)")
    assert psql(libpq(target), "SELECT max(id) FROM products") == "501\n"


def test_old_sets_are_pruned_and_a_corrupt_set_is_refused(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source, target = databases
    psql(libpq(source), "CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
    for old in ("20200101T000000Z", "20200102T000000Z", "20200103T000000Z"):
        (tmp_path / old).mkdir()
    env = {
        "BACKUP_DIR": str(tmp_path),
        "BACKUP_SERVICES": "order",
        "BACKUP_RETENTION": "2",
        "ECART_ORDER_DATABASE_URL": source,
    }
    assert run_script("backup.sh", env).returncode == 0
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert len(kept) == 2 and kept[0] == "20200103T000000Z"

    dump = tmp_path / kept[1] / "order.dump"
    dump.write_bytes(dump.read_bytes()[:-10])
    refused = run_script(
        "restore.sh", {**env, "ECART_ORDER_DATABASE_URL": target}, kept[1], "order"
    )
    assert refused.returncode != 0 and "SHA256SUMS" in refused.stderr
    assert psql(libpq(target), "SELECT count(*) FROM pg_tables WHERE tablename = 't'") == "0\n"


def test_backup_fails_without_the_database_url(tmp_path: Path) -> None:
    failed = run_script("backup.sh", {"BACKUP_DIR": str(tmp_path), "BACKUP_SERVICES": "payment"})
    assert failed.returncode != 0 and "ECART_PAYMENT_DATABASE_URL is not set" in failed.stderr
