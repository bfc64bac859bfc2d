"""Servers a scenario starts (and stops, crashes, restarts) itself: a single-node Kafka broker
(KRaft, broker + controller) and a PostgreSQL cluster, each in a temporary directory of its
own, on free loopback ports. Never the shared servers of `make services`: every signal goes
to a process this module started, by its PID (Kafka), or through `pg_ctl` on the data
directory this module initialised (PostgreSQL).

Kafka runs from the jars `scripts/services.sh` caches
(`${ECART_SERVICES_CACHE:-$HOME/.cache/ecart-services}/kafka-4.3.1/lib`), PostgreSQL from the
Debian binaries (`/usr/lib/postgresql/<version>/bin`), as the `postgres` OS user when the
tests run as root (PostgreSQL refuses to run as root). When what a server needs is missing,
`require_kafka()` / `require_postgres()` skip the test with the reason, or fail it in CI
(CI runs `make services` first, which installs and caches all of it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]
from bench.shop import ROOT

KAFKA_VERSION = "4.3.1"
KAFKA_FILES = ROOT / "scripts" / "services" / "kafka"
PG_SUPERUSER = "postgres"


class ServerError(AssertionError):
    pass


def unavailable(problem: str) -> None:
    """Skips the test with `problem` as the reason, or fails it in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {problem}")
    pytest.skip(problem)


# The ports `make services` uses by default: never handed out here, even while free.
SHARED_PORTS = frozenset({55432, 56379, 59092, 59093, 59094})


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in SHARED_PORTS:
            return port


# ---------------------------------------------------------------- Kafka


def kafka_lib() -> Path:
    cache = os.environ.get("ECART_SERVICES_CACHE") or str(Path.home() / ".cache/ecart-services")
    return Path(cache) / f"kafka-{KAFKA_VERSION}" / "lib"


def require_kafka() -> Path:
    """The cached Kafka jars (skip or, in CI, fail when they or java are missing)."""
    lib = kafka_lib()
    if not (lib / ".complete").exists() and not (lib / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
        unavailable(
            f"a broker of the test's own needs the Kafka {KAFKA_VERSION} jars in {lib} "
            "(`make services` fetches and caches them)"
        )
    if shutil.which("java") is None:
        unavailable("a broker of the test's own needs java (`make services` installs it)")
    return lib


@dataclass
class KafkaServer:
    """One combined broker + controller (KRaft); `start`, `stop` (SIGTERM), `kill` (SIGKILL)
    and `restart` keep the data directory and the ports."""

    home: Path
    lib: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def config(self) -> Path:
        return self.home / "server.properties"

    def _java(self, *args: str, heap: str = "-Xmx512m") -> list[str]:
        return [
            "java",
            "-Xms128m",
            heap,
            "-XX:+UseG1GC",
            "-XX:TieredStopAtLevel=1",  # starts faster; a test broker needs no peak speed
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={KAFKA_FILES / 'log4j2.xml'}",
            f"-Dkafka.logs.dir={self.home / 'logs'}",
            "-cp",
            f"{self.lib}/*",
            *args,
        ]

    def format(self) -> None:
        """Writes server.properties and formats the storage (once)."""
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
                    f"CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "inter.broker.listener.name=PLAINTEXT",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={self.home / 'data'}",
                    "num.partitions=3",
                    "num.network.threads=2",
                    "num.io.threads=2",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    # after a crash the controller fences the broker's previous incarnation
                    # when its session expires (9 s by default): a restart answers sooner
                    "broker.heartbeat.interval.ms=500",
                    "broker.session.timeout.ms=2000",
                    "",
                ]
            )
        )
        cluster = (
            subprocess.run(  # noqa: S603 - java from PATH, our own arguments
                self._java("kafka.tools.StorageTool", "random-uuid", heap="-Xmx256m"),
                capture_output=True,
                check=True,
                timeout=60,
            )
            .stdout.decode()
            .strip()
        )
        formatted = subprocess.run(  # noqa: S603
            self._java(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster,
                "-c",
                str(self.config),
                heap="-Xmx256m",
            ),
            capture_output=True,
            timeout=60,
        )
        if formatted.returncode != 0:
            raise ServerError(
                f"kafka storage format failed: {formatted.stdout!r} {formatted.stderr!r}"
            )

    def start(self) -> None:
        assert not self.running, f"kafka is already running (pid {self.popen and self.popen.pid})"
        with (self.home / "logs" / "kafka.out").open("ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603
                self._java("kafka.Kafka", str(self.config)),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    async def wait_ready(self, limit: float = 90.0) -> float:
        """Seconds until the broker answers a metadata request (describe cluster) with
        itself in it."""
        started = time.perf_counter()
        last = "no answer"
        while time.perf_counter() - started < limit:
            if not self.running:
                raise ServerError(f"kafka exited while starting:\n{self.log_tail()}")
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
            try:
                await asyncio.wait_for(admin.start(), 5)
                cluster = await asyncio.wait_for(admin.describe_cluster(), 5)
                if cluster.get("brokers"):
                    return time.perf_counter() - started
                last = "no broker in the metadata"
            except Exception as exc:  # anything but an answer: not ready yet
                last = repr(exc)
            finally:
                with contextlib.suppress(Exception):
                    await admin.close()
            await asyncio.sleep(0.3)
        raise ServerError(f"kafka on {self.bootstrap} not ready in {limit:g} s: {last}")

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM (a controlled shutdown), SIGKILL after `timeout` s; the exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        return self.popen.returncode

    def kill(self) -> None:
        """SIGKILL (a crash)."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    async def restart(self, limit: float = 90.0) -> float:
        """Starts it again (same data, same ports); seconds until it answers."""
        self.start()
        return await self.wait_ready(limit)

    def log_tail(self, lines: int = 30) -> str:
        texts = []
        for name in ("kafka.out", "server.log"):
            path = self.home / "logs" / name
            if path.exists():
                texts += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(texts)


@contextlib.asynccontextmanager
async def own_kafka(home: Path) -> AsyncIterator[KafkaServer]:
    """A broker of the test's own in `home`, started and ready; stopped after."""
    server = KafkaServer(home, require_kafka())
    server.format()
    try:
        server.start()
        await server.wait_ready()
        yield server
    finally:
        server.stop(timeout=20)


# ---------------------------------------------------------------- PostgreSQL


def find_pg_bin() -> Path | None:
    """Where initdb and pg_ctl are (Debian keeps them in /usr/lib/postgresql/<v>/bin)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        here = Path(on_path).resolve().parent
        if (here / "initdb").exists():
            return here
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
    )
    found = [p for p in found if (p / "initdb").exists() and (p / "pg_ctl").exists()]
    return found[-1] if found else None


def require_postgres() -> Path:
    """The PostgreSQL binaries (skip or, in CI, fail when missing)."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        unavailable("a PostgreSQL of the test's own needs initdb and pg_ctl (`make services`)")
    assert bin_dir is not None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root, a PostgreSQL of the test's own needs the `postgres` user")
    return bin_dir


@dataclass
class PostgresServer:
    """One cluster in a temporary directory of its own; `start`, `stop(mode)` (`fast`, or
    `immediate`: a crash, recovered from the WAL on the next start) and `restart` keep the
    data directory and the port. `admin_url` is the superuser's."""

    home: Path
    bin_dir: Path
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_hex(16))
    starts: int = 0

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql://{PG_SUPERUSER}:{self.password}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[bytes]:
        command = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603 - our own binaries and arguments
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd="/",  # a directory the postgres user may enter
            timeout=timeout,
        )

    def _check(self, what: str, done: subprocess.CompletedProcess[bytes]) -> None:
        if done.returncode != 0:
            raise ServerError(
                f"{what} failed ({done.returncode}): {done.stdout.decode()}\n{self.log_tail()}"
            )

    def initdb(self) -> None:
        pwfile = self.home / "superuser.pw"
        pwfile.write_text(self.password)
        pwfile.chmod(0o600)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        done = self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            PG_SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        pwfile.unlink()
        self._check("initdb", done)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# ecart tests/resilience/servers.py\n"
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 100\n"
                "shared_buffers = 32MB\n"
                "fsync = off\n"  # a crash here is a process crash, never the machine's
                "full_page_writes = off\n"
            )
        (self.data / "pg_hba.conf").write_text(
            f"host  all  {PG_SUPERUSER}  127.0.0.1/32  scram-sha-256\n"
            "host  sameuser  all  127.0.0.1/32  scram-sha-256\n"
        )

    def start(self) -> None:
        done = self._run(
            str(self.bin_dir / "pg_ctl"),
            "start",
            "-D",
            str(self.data),
            "-l",
            str(self.home / "postgres.log"),
            "-w",
            "-t",
            "60",
        )
        self._check("pg_ctl start", done)
        self.starts += 1

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m fast` (clients disconnected, a clean shutdown) or `-m immediate`
        (every process quits at once: a crash)."""
        assert mode in ("smart", "fast", "immediate"), mode
        done = self._run(
            str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60"
        )
        self._check(f"pg_ctl stop -m {mode}", done)

    @property
    def running(self) -> bool:
        done = self._run(str(self.bin_dir / "pg_ctl"), "status", "-D", str(self.data))
        return done.returncode == 0

    async def wait_ready(self, limit: float = 60.0) -> float:
        """Seconds until the superuser can connect and run a query."""
        started = time.perf_counter()
        last = "no answer"
        while time.perf_counter() - started < limit:
            try:
                conn = await asyncpg.connect(self.admin_url, timeout=3)
                try:
                    await conn.fetchval("SELECT 1")
                finally:
                    await conn.close()
                return time.perf_counter() - started
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                last = repr(exc)
            await asyncio.sleep(0.2)
        raise ServerError(f"postgres on {self.port} not ready in {limit:g} s: {last}")

    async def restart(self, limit: float = 60.0) -> float:
        """Starts it again (same data, same port); seconds until it answers."""
        self.start()
        return await self.wait_ready(limit)

    def log_tail(self, lines: int = 30) -> str:
        path = self.home / "postgres.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextlib.asynccontextmanager
async def own_postgres() -> AsyncIterator[PostgresServer]:
    """A PostgreSQL of the test's own (a fresh cluster under /tmp, owned by the `postgres`
    user when running as root: pytest's tmp_path is private to root), started and ready;
    stopped (immediate) and removed after."""
    bin_dir = require_postgres()
    home = Path(tempfile.mkdtemp(prefix="ecart-resilience-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(home, owner.pw_uid, owner.pw_gid)
    server = PostgresServer(home, bin_dir)
    try:
        server.initdb()
        server.start()
        await server.wait_ready()
        yield server
    finally:
        with contextlib.suppress(Exception):
            if server.running:
                server.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)
