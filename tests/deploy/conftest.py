"""Deploy artifacts (images, Compose, the Helm chart, workflows, Terraform) checked with the
real tools, offline. `scripts/deploy-tools.sh` installs them (`make deploy-tools`) into
`$ECART_DEPLOY_TOOLS` (default `.cache/deploy-tools`); without them these tests are skipped
with the reason, except in CI (`CI` set), where a missing tool is a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TOOLS_BIN = Path(os.environ.get("ECART_DEPLOY_TOOLS", ROOT / ".cache" / "deploy-tools")) / "bin"


def find_tool(name: str) -> str:
    """The path of a validator; skips (fails in CI) when it is not installed."""
    candidate = TOOLS_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    reason = f"{name} is not installed: run `make deploy-tools` (scripts/deploy-tools.sh)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def run_tool(
    *args: str, cwd: Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Runs a tool found by `find_tool`; a non-zero exit fails the test with its output."""
    result = subprocess.run(  # noqa: S603 (our own tools, our own arguments)
        list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(args[:3])} … exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


@pytest.fixture(scope="session")
def tool() -> Callable[[str], str]:
    return find_tool
