"""The image's HEALTHCHECK, run for real: its Python command (taken from the Dockerfile) against
a real `ecart serve catalog`, with PID 1's command line replaced by a file of our own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.deploy.test_image import healthcheck_command

PID1_CMDLINE = "/proc/1/cmdline"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECART_")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def catalog_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real catalog service (embedded default, no seed) on a free loopback port."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("catalog-data")
    env = clean_env(
        ECART_HOST="127.0.0.1",
        ECART_CATALOG_PORT=str(port),
        ECART_DATA_DIR=str(data_dir),
        ECART_SEED_DEMO_DATA="false",
    )
    ecart = Path(sys.executable).parent / "ecart"
    process = subprocess.Popen(  # noqa: S603 (our own CLI)
        [str(ecart), "serve", "catalog"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"catalog exited: {process.stderr.read() if process.stderr else ''!r}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("catalog did not answer /health within 30 s")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)
        if process.stderr:
            process.stderr.close()


def run_healthcheck(tmp_path: Path, argv: list[str], **env: str) -> int:
    """Runs the HEALTHCHECK's Python code as PID 1's command line `argv` would see it."""
    program, flag, code = healthcheck_command()
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"".join(arg.encode() + b"\0" for arg in argv))
    assert PID1_CMDLINE in code
    code = code.replace(PID1_CMDLINE, str(cmdline))
    assert program == "python"
    result = subprocess.run(  # noqa: S603 (the Dockerfile's own command)
        [sys.executable, flag, code], env=clean_env(**env), capture_output=True, timeout=30
    )
    return result.returncode


SERVE_CATALOG = ["/opt/venv/bin/python", "/opt/venv/bin/ecart", "serve", "catalog"]


def test_healthy_when_the_service_answers_on_its_port(tmp_path: Path, catalog_port: int) -> None:
    status = run_healthcheck(tmp_path, SERVE_CATALOG, ECART_CATALOG_PORT=str(catalog_port))
    assert status == 0


def test_unhealthy_when_nothing_answers(tmp_path: Path, catalog_port: int) -> None:
    status = run_healthcheck(tmp_path, SERVE_CATALOG, ECART_CATALOG_PORT=str(free_port()))
    assert status != 0


def test_probes_the_service_named_after_serve(tmp_path: Path, catalog_port: int) -> None:
    # The catalog's port given to another service: the check must not look there.
    serve_cart = [*SERVE_CATALOG[:3], "cart"]
    env = {"ECART_CATALOG_PORT": str(catalog_port), "ECART_CART_PORT": str(free_port())}
    assert run_healthcheck(tmp_path, serve_cart, **env) != 0
    assert run_healthcheck(tmp_path, serve_cart, ECART_CART_PORT=str(catalog_port)) == 0


def test_defaults_to_the_gateway(tmp_path: Path, catalog_port: int) -> None:
    # Under an init (docker run --init), PID 1 is the init with our command after it.
    tini = ["/sbin/docker-init", "--", "ecart"]
    assert run_healthcheck(tmp_path, tini, ECART_GATEWAY_PORT=str(catalog_port)) == 0
