"""Services never import each other; the platform never imports a service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ecart.registry import SERVICES

SRC = Path(__file__).resolve().parents[1] / "src" / "ecart"


def _imports(package: Path) -> set[str]:
    paths = [package] if package.is_file() else list(package.rglob("*.py"))
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_service_imports_no_other_service(service: str) -> None:
    others = {f"ecart.{name}" for name in SERVICES if name != service}
    offending = {
        module
        for module in _imports(SRC / service)
        if any(module == o or module.startswith(f"{o}.") for o in others)
    }
    assert not offending, f"{service} imports {sorted(offending)}"


def test_the_platform_imports_no_service() -> None:
    services = {f"ecart.{name}" for name in SERVICES} | {"ecart.cli", "ecart.local"}
    offending = {m for m in _imports(SRC / "platform") if any(m.startswith(s) for s in services)}
    assert not offending


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_domain_modules_are_free_of_frameworks(service: str) -> None:
    frameworks = {"fastapi", "sqlalchemy", "starlette", "httpx", "aiokafka"}
    imported = _imports(SRC / service / "domain.py")
    assert not {m for m in imported if m.split(".")[0] in frameworks}


def test_readme_documents_every_setting() -> None:
    from ecart.cli import settings_reference

    readme = (SRC.parents[1] / "README.md").read_text()
    missing = [env for env, _, _ in settings_reference() if f"`{env}`" not in readme]
    assert not missing, f"README's configuration table lacks {missing}"


def test_readme_shows_the_authorization_table() -> None:
    from ecart.cli import authorization_table

    readme = (SRC.parents[1] / "README.md").read_text()
    missing = [row for row in authorization_table() if row not in readme]
    assert not missing, f"README's authorization table is out of date: {missing[:3]}"
