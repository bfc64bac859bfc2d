"""The chart and the code agree on settings: every setting a service reads (`ecart config`,
i.e. `settings_reference()`) reaches that service's pod (or is deliberately left at its
default, listed below with the reason), the chart sets no ECART_* variable that nothing
reads, and every value in values.yaml changes what the chart renders."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecart.cli import settings_reference
from tests.deploy.conftest import find_tool
from tests.deploy.test_helm_render import (
    CHART,
    SERVICES,
    Manifest,
    Variant,
    of_kind,
    render,
    template_args,
)

# Settings no pod gets, on purpose.
LEFT_AT_DEFAULT = {
    "ECART_NOTIFICATIONS_CLIENT_SECRET": "notifications calls no other service (no client)",
}
# Shared (ECART_) settings only some services use; the others are not given them.
SCOPED = {
    "ECART_REDIS_URL": {"catalog"},  # the catalog cache
    "ECART_RATE_LIMIT_STORAGE": {"users", "order"},  # login, register, checkout limits
    "ECART_KAFKA_SASL_PASSWORD": set(SERVICES) - {"gateway"},  # the gateway has no bus
    "ECART_ADMIN_EMAIL": {"users"},
    "ECART_ADMIN_PASSWORD": {"users"},
}
# Prod renders every optional wiring (Redis, External Secrets, the migration Job).
FULL = Variant("values-prod.yaml")


def settings_of(service: str) -> set[str]:
    """The env vars `service` reads: the shared ones and its own prefix."""
    names = {row[0] for row in settings_reference()}
    own = {n for n in names if n.startswith(f"ECART_{service.upper()}_")}
    foreign = {
        n
        for n in names
        for other in SERVICES
        if other != service and n.startswith(f"ECART_{other.upper()}_")
    }
    shared = names - foreign - own - {"ECART_ADMIN_EMAIL", "ECART_ADMIN_PASSWORD"}
    if service == "users":
        shared |= {"ECART_ADMIN_EMAIL", "ECART_ADMIN_PASSWORD"}
        # The users service checks every client's secret.
        own |= {
            n
            for n in names
            if n.endswith("_CLIENT_SECRET") and n != "ECART_NOTIFICATIONS_CLIENT_SECRET"
        }
    return {n for n in own | shared if service in SCOPED.get(n, {service})}


def env_of(manifests: tuple[Manifest, ...], service: str) -> set[str]:
    config = {
        k
        for m in of_kind(manifests, "ConfigMap")
        if m["metadata"]["name"] == "ecart-config"
        for k in m["data"]
    }
    deployment = next(
        m for m in of_kind(manifests, "Deployment") if m["metadata"]["name"] == f"ecart-{service}"
    )
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return config | {e["name"] for e in container["env"]}


@pytest.mark.parametrize("service", SERVICES)
def test_every_setting_a_service_reads_reaches_its_pod(service: str) -> None:
    expected = settings_of(service) - set(LEFT_AT_DEFAULT)
    missing = expected - env_of(render(FULL), service)
    assert not missing, f"{service} reads settings the chart never sets: {sorted(missing)}"


def test_the_chart_sets_no_setting_nothing_reads() -> None:
    known = {row[0] for row in settings_reference()}
    for variant in (FULL, Variant("values-dev.yaml"), Variant("values.yaml")):
        manifests = render(variant)
        for service in SERVICES:
            unknown = {n for n in env_of(manifests, service) if n.startswith("ECART_")} - known
            assert not unknown, f"{service}: {sorted(unknown)} are no setting"
            foreign = {
                n
                for n in env_of(manifests, service) - settings_of(service)
                if n.startswith("ECART_")
            }
            assert foreign <= set(LEFT_AT_DEFAULT) | {f"ECART_{s.upper()}_URL" for s in SERVICES}, (
                f"{service} gets settings it does not read: {sorted(foreign)}"
            )


def leaves(values: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(values, dict) and values:
        return [leaf for key, value in values.items() for leaf in leaves(value, (*path, key))]
    return [path]


def mutated(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return f"{value}x" if value else "mutated"
    if isinstance(value, list):
        return value[:-1] if value else ["10.9.9.9/32"]
    return {"mutated": "x"}


# Renderings in which together every feature is on at least once, none random (no key
# generation, CloudNativePG's generated passwords dropped before comparing).
CONTEXTS = (
    ("--api-versions", "monitoring.coreos.com/v1", "--set", "backup.restoreFrom=20260101T000000Z"),
    ("--set", "secrets.create=true"),
    ("-f", str(CHART / "values-dev.yaml"), "--set", "secrets.generate=false"),
    (
        "-f",
        str(CHART / "values-prod.yaml"),
    ),
)


def rendered(args: tuple[str, ...], override: Path | None) -> str:
    command = [find_tool("helm"), *template_args(Variant("values.yaml")), *args]
    if override:
        command += ["-f", str(override)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    docs = [d for d in yaml.safe_load_all(result.stdout) if d] if result.returncode == 0 else []
    stable = [d for d in docs if d.get("type") != "kubernetes.io/basic-auth"]
    return f"{result.returncode}\n{yaml.safe_dump_all(stable)}"


def test_every_value_changes_the_rendering(tmp_path: Path) -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    baseline = {args: rendered(args, None) for args in CONTEXTS}

    def unused(leaf: tuple[str, ...]) -> tuple[str, ...] | None:
        current: Any = values
        for key in leaf:
            current = current[key]
        override: Any = mutated(current)
        for key in reversed(leaf):
            override = {key: override}
        path = tmp_path / f"{'.'.join(leaf).replace('/', '_')}.yaml"
        path.write_text(yaml.safe_dump(override))
        changed = any(rendered(args, path) != baseline[args] for args in CONTEXTS)
        return None if changed else leaf

    with ThreadPoolExecutor(max_workers=6) as pool:
        dead = [".".join(leaf) for leaf in pool.map(unused, leaves(values)) if leaf]
    assert not dead, f"values that change nothing: {dead}"
