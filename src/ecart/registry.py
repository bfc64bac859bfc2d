"""The composition root's list of services: how to build each one's app and settings.
Only the CLI and the tests use it; services never import each other."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI

from ecart.platform.runtime import Runtime


class AppFactory(Protocol):
    def __call__(self, settings: Any = None, runtime: Runtime | None = None) -> FastAPI: ...


class ProcessSettings(Protocol):
    """What running any process needs of its settings (a service's `ServiceSettings`, the
    gateway's `GatewaySettings`)."""

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    def url_of(self, service: str) -> str: ...


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str  # package with config.py (Settings class), app.py (create_app), store.py
    settings_class: str
    database: bool = True  # False: no store.py, no migrations (the gateway)

    def settings(self, **overrides: Any) -> Any:
        """A `ServiceSettings` for a service with a database, else its own settings class."""
        config = importlib.import_module(f"{self.module}.config")
        return getattr(config, self.settings_class)(**overrides)

    def app_factory(self) -> AppFactory:
        factory: AppFactory = importlib.import_module(f"{self.module}.app").create_app
        return factory

    def metadata(self) -> Any:
        self._require_database()
        return importlib.import_module(f"{self.module}.store").metadata

    @property
    def migrations_dir(self) -> Path:
        self._require_database()
        module = importlib.import_module(self.module)
        return Path(module.__file__ or "").parent / "migrations"

    def _require_database(self) -> None:
        if not self.database:
            raise ValueError(f"the {self.name} service has no database")


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec("users", "ecart.users", "UsersSettings"),
        ServiceSpec("inventory", "ecart.inventory", "InventorySettings"),
        ServiceSpec("catalog", "ecart.catalog", "CatalogSettings"),
        ServiceSpec("cart", "ecart.cart", "CartSettings"),
        ServiceSpec("payment", "ecart.payment", "PaymentSettings"),
        ServiceSpec("order", "ecart.order", "OrderSettings"),
        ServiceSpec("notifications", "ecart.notifications", "NotificationsSettings"),
        ServiceSpec("gateway", "ecart.gateway", "GatewaySettings", database=False),
    )
}
