"""The Helm chart (`deploy/helm/ecart`): `helm lint` and `helm template` for every values
file, with and without the Prometheus operator's API; the rendering helpers the other
`test_helm_*` modules share."""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, find_tool, run_tool

CHART = DEPLOY / "helm" / "ecart"
ARGOCD = DEPLOY / "argocd"
# The newest Kubernetes the installed kubernetes-validate bundles (1.37.0 in 1.37.0).
KUBE_VERSION = "1.37.0"
NAMESPACE = "ecart"
MONITORING_API = "monitoring.coreos.com/v1"
ENVIRONMENTS = ("values.yaml", "values-dev.yaml", "values-staging.yaml", "values-prod.yaml")
SERVICES = ("users", "catalog", "inventory", "cart", "order", "payment", "notifications", "gateway")
CUSTOM_GROUPS = (
    "monitoring.coreos.com",
    "external-secrets.io",
    "argoproj.io",
    "postgresql.cnpg.io",
    "kafka.strimzi.io",
)

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Variant:
    """One way to render the chart: a values file, API versions, `--set` overrides."""

    values: str
    api_versions: tuple[str, ...] = ()
    sets: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        extra = "+monitoring" if self.api_versions else ""
        return f"{self.values.removesuffix('.yaml')}{extra}{'+' if self.sets else ''}"

    def args(self) -> list[str]:
        args = ["-f", str(CHART / "values.yaml"), "-f", str(CHART / self.values)]
        for api in self.api_versions:
            args += ["--api-versions", api]
        for assignment in self.sets:
            args += ["--set", assignment]
        return args


VARIANTS = [
    *(Variant(values) for values in ENVIRONMENTS),
    *(Variant(values, (MONITORING_API,)) for values in ENVIRONMENTS),
    # The restore Job and the chart-made Secret (generated keys) rendered too.
    Variant(
        "values.yaml",
        sets=(
            "backup.restoreFrom=20261124T021700Z",
            "secrets.create=true",
            "secrets.generate=true",
        ),
    ),
]


def helm(*args: str) -> str:
    return run_tool(find_tool("helm"), *args).stdout


def template_args(variant: Variant) -> list[str]:
    return [
        "template",
        "ecart",
        str(CHART),
        "--namespace",
        NAMESPACE,
        "--kube-version",
        KUBE_VERSION,
        *variant.args(),
    ]


@functools.cache
def render(variant: Variant) -> tuple[Manifest, ...]:
    """The chart's objects for one variant (rendered once per test session)."""
    text = helm(*template_args(variant))
    return tuple(doc for doc in yaml.safe_load_all(text) if doc)


def argocd_applications() -> list[Manifest]:
    return [yaml.safe_load(path.read_text()) for path in sorted(ARGOCD.glob("*.yaml"))]


def is_custom(manifest: Manifest) -> bool:
    return str(manifest["apiVersion"]).split("/")[0] in CUSTOM_GROUPS


def of_kind(manifests: tuple[Manifest, ...], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def pod_specs(manifests: tuple[Manifest, ...]) -> list[tuple[str, Manifest]]:
    """(object name, pod template) of every Deployment, Job and CronJob."""
    pods = []
    for m in manifests:
        if m["kind"] in ("Deployment", "Job"):
            pods.append((f"{m['kind']}/{m['metadata']['name']}", m["spec"]["template"]))
        elif m["kind"] == "CronJob":
            template = m["spec"]["jobTemplate"]["spec"]["template"]
            pods.append((f"CronJob/{m['metadata']['name']}", template))
    return pods


@pytest.mark.parametrize("values", ENVIRONMENTS)
def test_helm_lint(values: str) -> None:
    output = helm(
        "lint",
        str(CHART),
        "--strict",
        "--kube-version",
        KUBE_VERSION,
        "-f",
        str(CHART / values),
    )
    assert "0 chart(s) failed" in output


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_template_renders_every_service(variant: Variant) -> None:
    manifests = render(variant)
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "ServiceAccount"):
        names = sorted(m["metadata"]["name"] for m in of_kind(manifests, kind))
        assert names == sorted(f"ecart-{s}" for s in SERVICES), kind
    monitors = of_kind(manifests, "ServiceMonitor")
    assert len(monitors) == (len(SERVICES) if variant.api_versions else 0)


def test_service_monitors_can_be_forced_without_the_operator_api() -> None:
    manifests = render(Variant("values.yaml", sets=("serviceMonitor.force=true",)))
    endpoints = [m["spec"]["endpoints"] for m in of_kind(manifests, "ServiceMonitor")]
    expected = {"port": "http", "path": "/metrics", "interval": "30s", "honorLabels": True}
    assert endpoints == [[expected]] * len(SERVICES)


def test_migrations_job_refused_with_in_cluster_postgresql() -> None:
    result = helm_failure(
        Variant("values-dev.yaml", sets=("migrations.job=true",)),
    )
    assert "migrations.job needs the databases before install" in result


def helm_failure(variant: Variant) -> str:
    completed = subprocess.run(  # noqa: S603 (our own tool and arguments)
        [find_tool("helm"), *template_args(variant)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0, "helm template should have failed"
    return completed.stderr
