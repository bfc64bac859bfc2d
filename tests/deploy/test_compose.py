"""`deploy/compose.yaml`: valid against the Compose spec, every service of the registry in it,
every `ECART_*` variable a real setting, health checks and start order, no literal secret."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecart.cli import settings_reference
from ecart.platform.settings import SERVICE_NAMES, SERVICE_PORTS
from ecart.registry import SERVICES
from tests.deploy.conftest import DEPLOY, find_tool, run_tool

COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
ECART_IMAGE = "${ECART_IMAGE:-ecart:local}"
INFRASTRUCTURE = {"postgres", "kafka", "redis"}
OBSERVABILITY = {"otel-collector", "jaeger", "prometheus", "grafana"}
# Scratch/distroless images with no shell or HTTP client to probe with; nothing waits on them.
NO_HEALTHCHECK = {"otel-collector": "scratch image", "jaeger": "no HTTP client to rely on"}
REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)(?::?([?-])([^}]*))?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|SIGNING_KEY|REDISCLI_AUTH|SMTP_URL")


def load_compose(path: Path = COMPOSE) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = load_compose()["services"]
    return found


def ecart_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services().items() if s.get("image") == ECART_IMAGE}


def served() -> dict[str, dict[str, Any]]:
    """The long-running ecart services, by the service each serves."""
    found = {}
    for service in ecart_services().values():
        command = service["command"]
        if command[0] == "serve":
            found[command[1]] = service
    return found


def test_valid_against_the_compose_spec() -> None:
    run_tool(find_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE))


def test_the_schema_check_rejects_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    text = COMPOSE.read_text().replace("service_completed_successfully", "service_finished", 1)
    broken.write_text(text)
    result = subprocess.run(  # noqa: S603 (our validator)
        [find_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0, result.stdout


def test_every_registry_service_runs_from_the_one_image() -> None:
    assert set(served()) == set(SERVICES)
    names = {name for name, s in ecart_services().items() if s["command"][0] == "serve"}
    assert names == set(SERVICES)  # each Compose service is named after what it serves
    assert {"migrate"} | set(SERVICES) == set(ecart_services())
    assert INFRASTRUCTURE | OBSERVABILITY | set(ecart_services()) == set(services())


def test_infrastructure_images() -> None:
    images = {name: services()[name]["image"] for name in INFRASTRUCTURE}
    assert re.fullmatch(r"postgres:1[56]\.\d+-bookworm", images["postgres"])
    assert re.fullmatch(r"apache/kafka:4\.\d+\.\d+", images["kafka"])
    assert re.fullmatch(r"redis:\d+\.\d+\.\d+-bookworm", images["redis"])
    kafka_env = services()["kafka"]["environment"]
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, one node
    assert "ZOOKEEPER" not in " ".join(kafka_env)


def test_every_ecart_variable_is_a_real_setting() -> None:
    known = {env for env, _default, _meaning in settings_reference()}
    for name, service in ecart_services().items():
        unknown = set(service["environment"]) - known
        assert not unknown, f"{name} sets variables no setting reads: {sorted(unknown)}"


def test_production_backends_and_addresses() -> None:
    for name, service in served().items():
        env = service["environment"]
        assert env["ECART_ENVIRONMENT"] == "production", name
        assert env["ECART_BUS"] == "kafka"
        assert env["ECART_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["ECART_REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")
        assert env["ECART_REDIS_URL"].endswith("@redis:6379/0")
        assert env["ECART_RATE_LIMIT_STORAGE"].endswith("@redis:6379/1")
        for other, port in SERVICE_PORTS.items():
            assert env[f"ECART_{other.upper()}_URL"] == f"http://{other}:{port}"


def test_each_service_has_its_own_database_and_the_migrations_run_first() -> None:
    migrate = ecart_services()["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name, spec in SERVICES.items():
        env = served()[name]["environment"]
        variable = f"ECART_{name.upper()}_DATABASE_URL"
        if not spec.database:
            assert variable not in env
            continue
        url = (
            f"postgresql+asyncpg://ecart_{name}:${{PG_{name.upper()}_PASSWORD:?}}"
            f"@postgres:5432/ecart_{name}"
        )
        assert env[variable] == url
        assert migrate["environment"][variable] == url
        others = [v for v in env if v.endswith("_DATABASE_URL") and v != variable]
        assert not others, f"{name} can reach another service's database: {others}"
        assert env["ECART_MIGRATE_ON_START"] == "false"


def test_production_secrets_are_wired_where_they_are_checked() -> None:
    users = served()["users"]["environment"]
    assert "ECART_USERS_SIGNING_KEY" in users
    for name in SERVICE_NAMES:  # the users service checks every client's secret
        assert f"ECART_{name.upper()}_CLIENT_SECRET" in users
        own = served()[name]["environment"]
        assert own[f"ECART_{name.upper()}_CLIENT_SECRET"].startswith("${ECART_")
    for name, service in served().items():
        secrets = {v for v in service["environment"] if v.endswith("_CLIENT_SECRET")}
        if name == "users":
            expected = {f"ECART_{n.upper()}_CLIENT_SECRET" for n in SERVICE_NAMES}
        elif name in SERVICE_NAMES:
            expected = {f"ECART_{name.upper()}_CLIENT_SECRET"}
        else:  # notifications and the gateway call no service with a client secret
            expected = set()
        assert secrets == expected, f"{name} holds secrets it does not need"


def test_only_the_gateway_is_trusted_as_a_proxy() -> None:
    gateway = served()["gateway"]
    address = gateway["networks"]["ecart"]["ipv4_address"]
    for name, service in served().items():
        trusted = service["environment"]["ECART_TRUSTED_PROXIES"]
        if name == "gateway":
            assert trusted == "${EDGE_TRUSTED_PROXIES:-}"
        else:
            assert trusted == address, name
    assert gateway["ports"] == ["${GATEWAY_BIND_ADDRESS:-127.0.0.1}:${GATEWAY_PORT:-8000}:8000"]


def test_health_checks_everywhere() -> None:
    for name, service in services().items():
        check = service.get("healthcheck", {})
        if name == "migrate":
            assert check == {"disable": True}  # a one-shot job
        elif name in NO_HEALTHCHECK:
            assert not check
        elif service.get("image") == ECART_IMAGE:
            # The image's HEALTHCHECK, with Compose's timings; never switched off.
            assert "disable" not in check and "test" not in check
            assert {"interval", "timeout", "retries", "start_period"} <= set(check)
        else:
            assert check.get("test"), f"{name} has no health check"


def test_start_order_waits_for_health() -> None:
    everything = services()
    for name, service in everything.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            condition = rule["condition"]
            if dependency == "migrate":
                assert condition == "service_completed_successfully"
            elif dependency not in NO_HEALTHCHECK:
                assert condition == "service_healthy", f"{name} → {dependency}"
    for name, service in served().items():
        depends = service["depends_on"]
        if name == "gateway":  # the edge starts last, once every service answers
            assert set(depends) == set(SERVICES) - {"gateway"}
            continue
        assert {"migrate", "kafka", "redis"} <= set(depends), name
        if name != "users":
            assert "users" in depends  # JWKS and service tokens


def test_ecart_containers_are_locked_down() -> None:
    for name, service in ecart_services().items():
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        assert "/tmp" in service["tmpfs"]
        writable = set(service["tmpfs"]) | {
            v.split(":")[1] for v in service.get("volumes", []) if ":" in v
        }
        assert "/var/lib/ecart" in writable, f"{name}: the data dir is not writable"


def test_named_volumes_for_state() -> None:
    compose = load_compose()
    declared = set(compose["volumes"])
    used = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith(".")
    }
    assert used == declared
    assert {"postgres-data", "kafka-data"} <= declared


def test_bind_mounts_exist() -> None:
    for service in services().values():
        for volume in service.get("volumes", []):
            if volume.startswith("."):
                source = (DEPLOY / volume.split(":")[0]).resolve()
                assert source.exists(), volume


def test_observability_profile() -> None:
    for name in OBSERVABILITY:
        assert services()[name]["profiles"] == ["observability"]
    for name in set(services()) - OBSERVABILITY:
        assert "profiles" not in services()[name], f"{name} must run by default"
    prometheus = yaml.safe_load((DEPLOY / "compose" / "prometheus.yml").read_text())
    (ecart_job,) = [j for j in prometheus["scrape_configs"] if j["job_name"] == "ecart"]
    assert ecart_job["metrics_path"] == "/metrics"
    targets = {t for group in ecart_job["static_configs"] for t in group["targets"]}
    assert targets == {f"{name}:{port}" for name, port in SERVICE_PORTS.items()}
    assert (DEPLOY / "observability" / "dashboards" / "README.md").exists()


def references() -> list[tuple[str, str, str]]:
    """Every `${VAR}` in the file's values (name, `?` or `-` or nothing, message or default)."""
    return [
        (m.group(1), m.group(2) or "", m.group(3) or "")
        for _path, value in walk_strings(load_compose())
        for m in REFERENCE.finditer(value)
    ]


def example_values() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if re.match(r"^[A-Z0-9_]+=", line):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def test_every_variable_is_documented_in_the_env_example() -> None:
    example = example_values()
    for name, _kind, _default in references():
        assert name in example or name == "ECART_IMAGE", f"{name} is not in .env.example"
    for name, kind, _default in references():
        if kind == "?":
            assert example[name] == "", f"{name} is required: .env.example must leave it empty"


def walk_strings(node: object, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in walk_strings(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [pair for i, v in enumerate(node) for pair in walk_strings(v, f"{path}[{i}]")]
    return [(path, str(node))] if isinstance(node, str) else []


def test_no_literal_secrets() -> None:
    for path, value in walk_strings(load_compose()):
        key = path.rsplit(".", 1)[-1]
        if SECRET_NAME.search(key) and "ADMIN_USER" not in key:
            match = REFERENCE.fullmatch(value)
            assert match, f"{path} is not a ${{VAR}} reference"
            assert match.group(2) == "?" or not match.group(3), f"{path} has a default"
        for userinfo in re.findall(r"://([^@/\s]*)@", value):
            password = userinfo.partition(":")[2]
            assert REFERENCE.fullmatch(password), f"{path} embeds a literal password"
    text = COMPOSE.read_text()
    assert "PRIVATE KEY" not in text
    assert not re.search(r"\b[0-9a-f]{32,}\b", text), "a hex secret in compose.yaml"


def test_init_scripts_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed")
    scripts = sorted(str(p) for p in (DEPLOY / "compose").rglob("*.sh"))
    assert scripts
    run_tool(shellcheck, *scripts)
