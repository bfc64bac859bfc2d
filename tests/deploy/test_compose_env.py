"""`deploy/compose/init-env.sh` writes a deploy/.env that satisfies every `${VAR:?}` of
compose.yaml, and with it each container's environment (the image's ENV plus Compose's)
builds that service's real settings in production mode: secrets accepted, databases,
Redis and Kafka where Compose runs them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from ecart.platform.settings import SERVICE_NAMES, service_client_secret
from ecart.registry import SERVICES
from ecart.users import keys
from tests.deploy.conftest import DEPLOY
from tests.deploy.test_compose import REFERENCE, served
from tests.deploy.test_image import runtime_env

INIT_ENV = DEPLOY / "compose" / "init-env.sh"


def init_env(target: Path) -> dict[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    subprocess.run(["bash", str(INIT_ENV), str(target)], check=True, capture_output=True)  # noqa: S603, S607
    return {k: v or "" for k, v in dotenv_values(target).items()}


@pytest.fixture(scope="module")
def dotenv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return init_env(tmp_path_factory.mktemp("env") / ".env")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's interpolation: `${VAR:?message}` (set and non-empty, else an error),
    `${VAR:-default}`, `${VAR}`, `$$` for a literal `$`."""

    def substitute(match: re.Match[str]) -> str:
        name, kind, extra = match.group(1), match.group(2), match.group(3)
        found = env.get(name, "")
        if kind == "?" and not found:
            raise LookupError(f"{name}: {extra}")
        return found or (extra if kind == "-" else "")

    return REFERENCE.sub(substitute, value.replace("$$", "\0")).replace("\0", "$")


def container_env(service: dict[str, Any], dotenv: dict[str, str]) -> dict[str, str]:
    environment = {k: interpolate(str(v), dotenv) for k, v in service["environment"].items()}
    return {**runtime_env(), **environment}


def test_init_env_fills_every_secret_and_is_private(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    values = init_env(target)
    assert target.stat().st_mode & 0o777 == 0o600
    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "PG_ORDER_PASSWORD"):
        assert re.fullmatch(r"[0-9a-f]{64}", values[name]), name
    keys.load_private_key(values["ECART_USERS_SIGNING_KEY"])
    assert values["ECART_ADMIN_PASSWORD"] == ""  # no admin unless one is chosen


def test_init_env_keeps_what_is_set(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    first = init_env(target)
    text = target.read_text().replace(
        f"REDIS_PASSWORD={first['REDIS_PASSWORD']}", "REDIS_PASSWORD=mine-and-long-enough"
    )
    target.write_text(text.replace("ECART_LOG_LEVEL=INFO\n", ""))  # as if the example grew
    second = init_env(target)
    assert second["REDIS_PASSWORD"] == "mine-and-long-enough"
    assert second["POSTGRES_PASSWORD"] == first["POSTGRES_PASSWORD"]
    assert second["ECART_USERS_SIGNING_KEY"] == first["ECART_USERS_SIGNING_KEY"]
    assert second["ECART_LOG_LEVEL"] == "INFO"


def test_an_empty_env_stops_compose_with_the_variable_named() -> None:
    with pytest.raises(LookupError, match="REDIS_PASSWORD"):
        container_env(served()["catalog"], {})


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_container_builds_its_production_settings(
    name: str, dotenv: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = container_env(served()[name], dotenv)
    env["ECART_GATEWAY_WEB_DIR"] = str(tmp_path)  # the image's /opt/ecart/web, here
    for variable in [v for v in os.environ if v.startswith("ECART_")]:
        monkeypatch.delenv(variable)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    settings = SERVICES[name].settings()
    assert settings.production
    assert settings.bus == "kafka"
    assert settings.host == "0.0.0.0"  # noqa: S104 (inside the container network)
    assert make_url(settings.redis_url).password == dotenv["REDIS_PASSWORD"]
    assert settings.url_of("users") == "http://users:8005"
    if SERVICES[name].database:
        url = make_url(settings.database_url)
        assert (url.host, url.database, url.username) == ("postgres", f"ecart_{name}", url.database)
        assert url.password == dotenv[f"PG_{name.upper()}_PASSWORD"]
    if name in SERVICE_NAMES:
        assert settings.resolved_client_secret() == dotenv[f"ECART_{name.upper()}_CLIENT_SECRET"]
    if name == "users":
        keys.load_private_key(settings.signing_key.get_secret_value())
        for client in SERVICE_NAMES:  # what the users service checks each client against
            expected = dotenv[f"ECART_{client.upper()}_CLIENT_SECRET"]
            assert service_client_secret(client, settings) == expected
