"""The wheel the image's build stage builds (`pip wheel --no-deps .`): it builds, and holds
every file of the package, migrations included, so an installed ecart can migrate."""

from __future__ import annotations

import email.parser
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(  # noqa: S603 (pip, on this repository)
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("ecart-*.whl")
    return built


def package_files() -> set[str]:
    """Every file of src/ecart that git tracks, as the wheel names it."""
    listed = subprocess.run(
        ["git", "ls-files", "src/ecart"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {path.removeprefix("src/") for path in listed}


def test_the_wheel_holds_every_package_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = package_files() - names
    assert not missing, f"the wheel lacks package files: {sorted(missing)}"


def test_every_services_migrations_are_in_the_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for migrations in sorted((ROOT / "src" / "ecart").glob("*/migrations")):
        service = migrations.parent.name
        for needed in ("env.py", "script.py.mako"):
            assert f"ecart/{service}/migrations/{needed}" in names
        versions = {p.name for p in (migrations / "versions").glob("*.py")}
        in_wheel = {
            n.rsplit("/", 1)[1]
            for n in names
            if n.startswith(f"ecart/{service}/migrations/versions/") and n.endswith(".py")
        }
        assert versions and in_wheel == versions, service


def test_the_wheel_declares_the_runtime_dependencies_only(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (meta_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(archive.read(meta_name).decode())
        entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        assert "ecart = ecart.cli:main" in archive.read(entry_points).decode()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert sorted(r.replace(" ", "") for r in required) == sorted(
        d.replace(" ", "") for d in project["dependencies"]
    )


def test_the_installed_wheel_finds_its_migrations(wheel: Path, tmp_path: Path) -> None:
    """Installed (not editable), every service's Alembic scripts load from the package."""
    target = tmp_path / "site"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from alembic.script import ScriptDirectory;"
        "from ecart.platform.migrations import alembic_config;"
        "from ecart.registry import SERVICES;"
        "specs = [s for s in SERVICES.values() if s.database];"
        "assert all(str(s.migrations_dir).startswith(sys.argv[1]) for s in specs);"
        "print(sorted(len(ScriptDirectory.from_config(alembic_config(s.migrations_dir))"
        ".get_heads()) for s in specs))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe, str(target)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([1] * 7)
