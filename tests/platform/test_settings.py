"""Settings come from the environment with documented defaults; production refuses
placeholder or generated secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecart.platform.settings import PlatformSettings, service_client_secret
from ecart.registry import SERVICES


def test_every_setting_has_a_description() -> None:
    for spec in SERVICES.values():
        settings_class = type(spec.settings())
        for name, field in settings_class.model_fields.items():
            assert field.description, f"{settings_class.__name__}.{name} has no description"


def test_service_values_use_the_service_prefix_and_shared_values_ecart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ECART_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ECART_USERS_PORT", "9105")
    monkeypatch.setenv("ECART_USERS_DATABASE_URL", "sqlite+aiosqlite:///elsewhere.db")
    users = SERVICES["users"].settings()
    assert users.port == 9105
    assert users.database_url == "sqlite+aiosqlite:///elsewhere.db"
    assert users.data_dir == tmp_path
    order = SERVICES["order"].settings()
    assert order.port == 8003
    assert order.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'order.db').resolve()}"


def test_dev_client_secrets_are_generated_once_and_private(tmp_path: Path) -> None:
    settings = PlatformSettings(data_dir=tmp_path)
    first = service_client_secret("order", settings)
    assert first == service_client_secret("order", settings)
    assert first != service_client_secret("cart", settings)
    path = tmp_path / "secrets" / "service-clients.json"
    assert path.stat().st_mode & 0o777 == 0o600


def test_production_refuses_missing_or_placeholder_client_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = PlatformSettings(environment="production", data_dir=tmp_path)
    with pytest.raises(ValueError, match="must be set in production"):
        service_client_secret("order", settings)
    monkeypatch.setenv("ECART_ORDER_CLIENT_SECRET", "changeme")
    with pytest.raises(ValueError, match="placeholder"):
        service_client_secret("order", settings)
    monkeypatch.setenv("ECART_ORDER_CLIENT_SECRET", "s3cr3t-from-the-vault-0123456789")
    assert service_client_secret("order", settings) == "s3cr3t-from-the-vault-0123456789"
