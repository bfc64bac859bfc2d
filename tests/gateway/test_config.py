"""The gateway's settings and its place in the composition root (registry, CLI, `ecart up`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from ecart import cli
from ecart.gateway import config
from ecart.gateway.config import GatewaySettings
from ecart.local import LocalPlatform
from ecart.registry import SERVICES


def test_defaults() -> None:
    settings = GatewaySettings()
    assert settings.port == 8000
    assert settings.allowed_origins == frozenset()
    assert settings.hsts is False
    assert settings.proxy_timeout_seconds > 0
    assert settings.url_of("gateway") == "http://127.0.0.1:8000"
    assert settings.url_of("catalog") == "http://127.0.0.1:8001"


def test_own_values_use_the_gateway_prefix_and_shared_values_ecart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ECART_GATEWAY_PORT", "9100")
    monkeypatch.setenv("ECART_GATEWAY_CORS_ORIGINS", "https://shop.example/, http://localhost:5173")
    monkeypatch.setenv("ECART_GATEWAY_HSTS", "true")
    monkeypatch.setenv("ECART_CATALOG_URL", "http://catalog.internal:8001/")
    monkeypatch.setenv("ECART_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("ECART_GATEWAY_LOG_LEVEL", "DEBUG")  # a shared value, for it only
    monkeypatch.setenv("ECART_MAX_BODY_BYTES", "2048")
    settings = GatewaySettings()
    assert settings.port == 9100
    assert settings.allowed_origins == {"https://shop.example", "http://localhost:5173"}
    assert settings.hsts is True
    assert settings.url_of("catalog") == "http://catalog.internal:8001"
    assert settings.max_body_bytes == 2048
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize("origins", ["*", "https://*.example", "shop.example", "null"])
def test_wildcards_and_non_origins_are_refused(origins: str) -> None:
    with pytest.raises(ValidationError, match="not an origin"):
        GatewaySettings(cors_origins=origins)


def test_web_dir_is_the_built_ui_when_there_is_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(config, "_REPO_WEB_DIST", tmp_path / "missing")
    assert GatewaySettings().web_dir is None
    monkeypatch.setattr(config, "_REPO_WEB_DIST", tmp_path)
    assert GatewaySettings().web_dir == tmp_path
    assert GatewaySettings(web_dir=None).web_dir is None  # explicitly: the built-in page
    monkeypatch.setenv("ECART_GATEWAY_WEB_DIR", "")
    assert GatewaySettings().web_dir is None
    with pytest.raises(ValidationError, match="not a directory"):
        GatewaySettings(web_dir=tmp_path / "nope")


def test_the_gateway_is_a_service_without_a_database(tmp_path: Path) -> None:
    spec = SERVICES["gateway"]
    assert spec.database is False
    with pytest.raises(ValueError, match="no database"):
        _ = spec.migrations_dir
    platform = LocalPlatform(common={"data_dir": tmp_path})
    assert "gateway" in platform.apps
    assert platform.settings["gateway"].port == 8000


def test_migrate_skips_the_gateway_and_makemigration_refuses_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ECART_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    migrated = runner.invoke(cli.app, ["migrate", "gateway"])
    assert migrated.exit_code == 0, migrated.output
    assert list(tmp_path.glob("*.db")) == []
    refused = runner.invoke(cli.app, ["makemigration", "gateway", "-m", "x"])
    assert refused.exit_code != 0


def test_config_lists_the_gateway_settings() -> None:
    rows = {env: (default, meaning) for env, default, meaning in cli.settings_reference()}
    for env in (
        "ECART_GATEWAY_URL",
        "ECART_GATEWAY_PORT",
        "ECART_GATEWAY_CORS_ORIGINS",
        "ECART_GATEWAY_WEB_DIR",
        "ECART_GATEWAY_HSTS",
        "ECART_GATEWAY_PROXY_TIMEOUT_SECONDS",
    ):
        assert env in rows, env
        assert rows[env][1], env
    assert rows["ECART_GATEWAY_WEB_DIR"][0] == "web/dist when built, else a built-in page"
