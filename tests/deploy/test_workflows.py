"""GitHub Actions (`.github/workflows`): actionlint, actions pinned by commit SHA, least
privilege, the test job wired to real PostgreSQL, Kafka and Redis the way the suite expects,
and the CD tag bump run for real against a local Git remote."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import ROOT, find_tool, run_tool
from tests.deploy.test_compose import services as compose_services

WORKFLOWS = ROOT / ".github" / "workflows"
BUMP = WORKFLOWS / "bump-image-tag.sh"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = job.get("steps", [])
    return found


def all_jobs() -> dict[str, dict[str, Any]]:
    return {
        f"{path.name}:{name}": job
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for name, job in workflow(path.name)["jobs"].items()
    }


def test_actionlint_passes() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert {Path(f).name for f in files} >= {"ci.yml", "cd.yml"}
    run_tool(find_tool("actionlint"), *files)


def test_every_action_is_pinned_by_commit_sha() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for line in path.read_text().splitlines():
            match = re.match(r"\s*(?:-\s*)?uses:\s*(\S+)(.*)", line)
            if match:
                assert PINNED.match(match.group(1)), f"{path.name}: {match.group(1)} not pinned"
                assert re.search(r"#\s*v\d", match.group(2)), f"{line.strip()}: no version note"


def test_least_privilege() -> None:
    for name in ("ci.yml", "cd.yml"):
        assert workflow(name)["permissions"] == {"contents": "read"}, name
    for name, job in all_jobs().items():
        granted = job.get("permissions", {})
        assert granted != "write-all", name
        writes = {scope for scope, level in granted.items() if level == "write"}
        allowed = {
            "ci.yml:image": {"packages"},
            "cd.yml:staging": {"contents"},
            "cd.yml:production": {"contents"},
        }.get(name, set())
        assert writes <= allowed, f"{name} may write {writes - allowed}"


def test_no_secret_but_the_workflow_token() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        used = set(re.findall(r"secrets\.(\w+)", path.read_text()))
        assert used <= {"GITHUB_TOKEN"}, f"{path.name} uses {used}"


def test_the_suite_runs_on_the_real_backends() -> None:
    job = workflow("ci.yml")["jobs"]["test"]
    env = job["env"]
    assert env["ECART_TEST_KAFKA"] == "kafka:9092"
    assert env["ECART_TEST_REDIS"] == "redis://redis:6379/0"
    assert re.fullmatch(
        r"postgresql://postgres:[^@]+@postgres:5432/postgres", env["ECART_TEST_POSTGRES_URL"]
    )
    runs = {s.get("name", ""): s for s in steps(job)}
    production = runs["Suite on PostgreSQL + Kafka + Redis"]
    assert production["env"] == {"ECART_TEST_BACKEND": "production"}
    assert production["run"] == '.venv/bin/pytest -m "not fuzz"'
    assert any("chromium" in s.get("run", "") for s in steps(job))
    assert any("deploy-tools.sh" in s.get("run", "") for s in steps(job))
    # The same Python as the image's, on Debian like it.
    assert job["container"]["image"] == "python:3.11.14-bookworm"


def test_service_containers_match_the_compose_images() -> None:
    ci_services = workflow("ci.yml")["jobs"]["test"]["services"]
    for name in ("postgres", "redis", "kafka"):
        assert ci_services[name]["image"] == compose_services()[name]["image"], name
    kafka = ci_services["kafka"]["env"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"


def test_image_job_builds_scans_and_pushes_on_main_only() -> None:
    job = workflow("ci.yml")["jobs"]["image"]
    uses = [s.get("uses", "").split("@")[0] for s in steps(job)]
    for action in (
        "docker/build-push-action",
        "anchore/sbom-action",
        "aquasecurity/trivy-action",
    ):
        assert action in uses
    scan = next(s for s in steps(job) if s.get("uses", "").startswith("aquasecurity/"))
    assert scan["with"]["exit-code"] == "1"
    main_only = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    for step in steps(job):
        if step.get("with", {}).get("push") is True or "login-action" in step.get("uses", ""):
            assert step["if"] == main_only
    pushed = next(s for s in steps(job) if s.get("with", {}).get("push") is True)
    assert pushed["with"]["tags"] == "${{ env.IMAGE }}:${{ github.sha }}"


def test_cd_promotes_to_staging_then_production_with_approval() -> None:
    cd = workflow("cd.yml")
    raw: dict[Any, Any] = cd
    trigger: dict[str, Any] = raw[True] if True in raw else raw["on"]  # YAML 1.1: `on` is True
    assert trigger["workflow_run"] == {
        "workflows": ["CI"],
        "types": ["completed"],
        "branches": ["main"],
    }
    jobs = cd["jobs"]
    assert "conclusion == 'success'" in jobs["staging"]["if"]
    assert jobs["production"]["needs"] == ["staging"]
    assert jobs["production"]["environment"]["name"] == "production"
    for name, values in (("staging", "values-staging.yaml"), ("production", "values-prod.yaml")):
        (bump,) = [s for s in steps(jobs[name]) if "bump-image-tag.sh" in s.get("run", "")]
        assert bump["env"]["VALUES"] == f"deploy/helm/ecart/{values}"
        assert (ROOT / bump["env"]["VALUES"]).exists()


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(  # noqa: S603
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],  # noqa: S607
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def gitops_clone(tmp_path: Path) -> Path:
    """A clone of a local bare repository holding the real staging values file."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    remote, clone = tmp_path / "remote.git", tmp_path / "clone"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    git(tmp_path, "clone", "--quiet", str(remote), str(clone))
    values = clone / "deploy/helm/ecart/values-staging.yaml"
    values.parent.mkdir(parents=True)
    shutil.copy(ROOT / "deploy/helm/ecart/values-staging.yaml", values)
    git(clone, "add", ".")
    git(clone, "commit", "--quiet", "-m", "values")
    git(clone, "push", "--quiet", "origin", "HEAD:main")
    return clone


def run_bump(clone: Path, values: str, tag: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash") or "/bin/bash"
    return subprocess.run(  # noqa: S603 (our script, our arguments)
        [bash, str(BUMP), values, tag], cwd=clone, capture_output=True, text=True, check=False
    )


STAGING = "deploy/helm/ecart/values-staging.yaml"


def test_bump_pins_the_sha_and_pushes_it(gitops_clone: Path) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    before = yaml.safe_load((gitops_clone / STAGING).read_text())
    result = run_bump(gitops_clone, STAGING, sha)
    assert result.returncode == 0, result.stderr
    after = yaml.safe_load((gitops_clone / STAGING).read_text())
    assert after["image"]["tag"] == sha
    after["image"]["tag"] = before["image"]["tag"]
    assert after == before  # nothing else changed
    assert sha in git(gitops_clone, "log", "-1", "--format=%s", "origin/main")
    again = run_bump(gitops_clone, STAGING, sha)
    assert again.returncode == 0 and "already at" in again.stdout


def test_bump_refuses_what_is_not_a_sha(gitops_clone: Path) -> None:
    result = run_bump(gitops_clone, STAGING, "latest")
    assert result.returncode != 0
    assert "not a commit SHA" in result.stderr
