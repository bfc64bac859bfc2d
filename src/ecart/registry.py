"""The composition root's list of services: how to build each one's app and settings.
Only the CLI and the tests use it; services never import each other."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI

from ecart.platform.runtime import Runtime
from ecart.platform.settings import ServiceSettings


class AppFactory(Protocol):
    def __call__(self, settings: Any = None, runtime: Runtime | None = None) -> FastAPI: ...


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str  # package with config.py (Settings class), app.py (create_app), store.py
    settings_class: str

    def settings(self, **overrides: Any) -> ServiceSettings:
        config = importlib.import_module(f"{self.module}.config")
        settings: ServiceSettings = getattr(config, self.settings_class)(**overrides)
        return settings

    def app_factory(self) -> AppFactory:
        factory: AppFactory = importlib.import_module(f"{self.module}.app").create_app
        return factory

    def metadata(self) -> Any:
        return importlib.import_module(f"{self.module}.store").metadata

    @property
    def migrations_dir(self) -> Path:
        module = importlib.import_module(self.module)
        return Path(module.__file__ or "").parent / "migrations"


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec("users", "ecart.users", "UsersSettings"),
        ServiceSpec("inventory", "ecart.inventory", "InventorySettings"),
        ServiceSpec("catalog", "ecart.catalog", "CatalogSettings"),
        ServiceSpec("cart", "ecart.cart", "CartSettings"),
        ServiceSpec("payment", "ecart.payment", "PaymentSettings"),
        ServiceSpec("order", "ecart.order", "OrderSettings"),
    )
}
