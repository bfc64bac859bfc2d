"""The image (`Dockerfile`, `.dockerignore`): linted with hadolint, scanned with checkov, and
the facts that matter checked on the file itself, since no Docker engine runs here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ecart.platform.settings import SERVICE_PORTS
from ecart.registry import SERVICES
from tests.deploy.conftest import ROOT, find_tool, run_tool

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PINNED_BASES = {
    "web": "node:20.20.2-bookworm-slim",
    "build": "python:3.11.14-slim-bookworm",
    "runtime": "python:3.11.14-slim-bookworm",
}
APP_UID = "10001"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[Instruction]

    def args_of(self, keyword: str) -> list[str]:
        return [i.args for i in self.instructions if i.keyword == keyword]


def parse_dockerfile(path: Path = DOCKERFILE) -> list[Stage]:
    """The stages of a Dockerfile, each with its instructions (continuations joined)."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", args.strip(), re.IGNORECASE)
            assert match, f"unreadable FROM: {line}"
            stages.append(Stage(match.group(2) or "", match.group(1), []))
        elif stages:
            stages[-1].instructions.append(Instruction(keyword.upper(), args.strip()))
    return stages


def final_stage() -> Stage:
    return parse_dockerfile()[-1]


def test_hadolint_finds_nothing() -> None:
    run_tool(find_tool("hadolint"), "--failure-threshold", "style", str(DOCKERFILE))


def test_checkov_passes_the_dockerfile() -> None:
    result = run_tool(
        find_tool("checkov"),
        "--framework",
        "dockerfile",
        "--file",
        str(DOCKERFILE),
        "--skip-download",
        "--output",
        "json",
        "--quiet",
    )
    summary = json.loads(result.stdout)["summary"]
    assert summary["failed"] == 0
    assert summary["skipped"] == 0, "a skip must be documented here first"
    assert summary["passed"] > 0


def test_three_stages_on_pinned_bases() -> None:
    stages = parse_dockerfile()
    assert {s.name: s.base for s in stages} == PINNED_BASES
    assert [s.name for s in stages][-1] == "runtime"


def test_the_web_ui_is_built_with_npm_ci() -> None:
    web = parse_dockerfile()[0]
    runs = " ".join(web.args_of("RUN"))
    assert "npm ci" in runs
    assert "npm run build" in runs


def test_build_stage_installs_the_wheel_without_dev_extras() -> None:
    build = parse_dockerfile()[1]
    runs = " ".join(build.args_of("RUN"))
    assert "pip wheel --no-deps" in runs
    assert "/opt/venv/bin/pip install /wheels/ecart-" in runs
    assert "[dev]" not in runs
    assert "pip uninstall --yes pip" in runs  # no installer left in the shipped venv


def test_runtime_copies_only_the_venv_and_the_built_ui() -> None:
    copies = final_stage().args_of("COPY")
    assert sorted(copies) == sorted(
        ["--from=build /opt/venv /opt/venv", "--from=web /web/dist /opt/ecart/web"]
    )
    runtime_runs = " ".join(final_stage().args_of("RUN"))
    for tool in ("apt-get", "gcc", "build-essential", "pip install", "npm"):
        assert tool not in runtime_runs, f"the runtime stage runs {tool}"


def test_runtime_runs_as_a_fixed_non_root_user() -> None:
    runtime = final_stage()
    assert runtime.args_of("USER") == [f"{APP_UID}:{APP_UID}"]
    user_index = next(i for i, inst in enumerate(runtime.instructions) if inst.keyword == "USER")
    after_user = [i.keyword for i in runtime.instructions[user_index:]]
    assert "RUN" not in after_user  # nothing runs as root after the switch
    assert f"--uid {APP_UID}" in " ".join(runtime.args_of("RUN"))


def runtime_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in final_stage().args_of("ENV"):
        for match in re.finditer(r"(\w+)=(\S+)", args):
            env[match.group(1)] = match.group(2)
    return env


def test_runtime_environment() -> None:
    env = runtime_env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["ECART_HOST"] == "0.0.0.0"  # noqa: S104 (reachable from other containers)
    assert env["ECART_GATEWAY_WEB_DIR"] == "/opt/ecart/web"  # where the UI is copied
    # The only writable place: a volume, an emptyDir or a tmpfs (read-only root file system).
    assert env["ECART_DATA_DIR"] == "/var/lib/ecart"
    assert env["PATH"].startswith("/opt/venv/bin:")


def test_entrypoint_runs_one_service_and_defaults_to_the_gateway() -> None:
    runtime = final_stage()
    assert [json.loads(a) for a in runtime.args_of("ENTRYPOINT")] == [["ecart"]]
    assert [json.loads(a) for a in runtime.args_of("CMD")] == [["serve", "gateway"]]
    exposed = {int(p) for a in runtime.args_of("EXPOSE") for p in a.split()}
    assert exposed == set(range(8000, 8008))
    labels = " ".join(runtime.args_of("LABEL"))
    for label in ("title", "source", "version", "revision", "licenses"):
        assert f"org.opencontainers.image.{label}=" in labels


def healthcheck_command() -> list[str]:
    (args,) = final_stage().args_of("HEALTHCHECK")
    assert "--interval=" in args and "--timeout=" in args
    command: list[str] = json.loads(args[args.index("CMD ") + 4 :])
    return command


def test_healthcheck_uses_python_not_curl() -> None:
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"]
    assert "/health" in command[2]


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (
        "**/.git",
        ".venv",
        ".services",
        "**/node_modules",
        "web/node_modules",
        "web/dist",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "**/__pycache__",
        ".env*",
        "tests",
    ):
        assert required in patterns, f".dockerignore misses {required}"
    for needed in ("src", "web", "pyproject.toml", "README.md"):
        assert needed not in patterns, f".dockerignore drops {needed}, which the build copies"


def test_every_service_port_is_exposed() -> None:
    exposed = {int(p) for a in final_stage().args_of("EXPOSE") for p in a.split()}
    assert {SERVICE_PORTS[name] for name in SERVICES} == exposed
