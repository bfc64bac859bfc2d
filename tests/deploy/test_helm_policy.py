"""What every rendering of the chart must hold: Pod Security `restricted` on every pod, a PDB
and (where autoscaling is on) an HPA for every Deployment, every pod selected by a
NetworkPolicy, and the NetworkPolicies allowing exactly the calls the code makes."""

from __future__ import annotations

import re

import pytest

from ecart.gateway.proxy import PROXIED_SERVICES
from tests.deploy.conftest import ROOT
from tests.deploy.test_helm_render import (
    SERVICES,
    VARIANTS,
    Manifest,
    Variant,
    of_kind,
    pod_specs,
    render,
)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_every_pod_meets_the_restricted_pod_security_standard(variant: Variant) -> None:
    for name, template in pod_specs(render(variant)):
        spec = template["spec"]
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True, name
        assert context["runAsUser"] >= 10000, name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        tmp_volumes = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["runAsNonRoot"] is True, name
            assert security["capabilities"] == {"drop": ["ALL"]}, name
            assert security["seccompProfile"] == {"type": "RuntimeDefault"}, name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts.get("/tmp") in tmp_volumes, f"{name}: no emptyDir at /tmp"
            assert container["resources"]["limits"] and container["resources"]["requests"]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_every_deployment_probes_and_drains(variant: Variant) -> None:
    for deployment in of_kind(render(variant), "Deployment"):
        spec = deployment["spec"]["template"]["spec"]
        container = spec["containers"][0]
        component = deployment["metadata"]["labels"]["app.kubernetes.io/component"]
        assert container["args"] == ["serve", component]
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["startupProbe"]["httpGet"]["path"] == "/health"
        ready = "/health" if component == "gateway" else "/ready"
        assert container["readinessProbe"]["httpGet"]["path"] == ready
        sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert 0 < sleep < spec["terminationGracePeriodSeconds"]
        assert spec["topologySpreadConstraints"] and spec["affinity"]["podAntiAffinity"]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_every_deployment_has_a_pdb_and_an_hpa(variant: Variant) -> None:
    manifests = render(variant)
    autoscaled = {
        h["spec"]["scaleTargetRef"]["name"]: h
        for h in of_kind(manifests, "HorizontalPodAutoscaler")
    }
    budgets = of_kind(manifests, "PodDisruptionBudget")
    for deployment in of_kind(manifests, "Deployment"):
        name = deployment["metadata"]["name"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(selects(b["spec"]["selector"], pod_labels) for b in budgets), name
        if variant.values == "values-dev.yaml":  # one replica each, no autoscaling
            assert name not in autoscaled and deployment["spec"]["replicas"] == 1
            continue
        hpa = autoscaled[name]
        assert "replicas" not in deployment["spec"], f"{name}: the HPA owns replicas"
        metrics = {m["resource"]["name"] for m in hpa["spec"]["metrics"]}
        assert metrics == {"cpu", "memory"}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_every_pod_is_selected_by_a_network_policy(variant: Variant) -> None:
    manifests = render(variant)
    policies = of_kind(manifests, "NetworkPolicy")
    default_deny = [p for p in policies if p["metadata"]["name"].endswith("default-deny")]
    assert len(default_deny) == 1 and "ingress" not in default_deny[0]["spec"]
    assert "egress" not in default_deny[0]["spec"]
    for name, template in pod_specs(manifests):
        labels = template["metadata"]["labels"]
        assert selects(default_deny[0]["spec"]["podSelector"], labels), name
        own = [
            p
            for p in policies
            if p is not default_deny[0] and selects(p["spec"]["podSelector"], labels)
        ]
        assert own, f"{name}: no NetworkPolicy opens what it needs"


def test_network_policies_allow_exactly_the_calls_the_code_makes() -> None:
    policies = {
        p["metadata"]["name"].removeprefix("ecart-"): p
        for p in of_kind(render(VARIANTS[0]), "NetworkPolicy")
    }
    for service in SERVICES:
        egress_to = {
            peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
            for rule in policies[service]["spec"]["egress"]
            for peer in rule["to"]
            if "podSelector" in peer and "namespaceSelector" not in peer
        }
        expected = calls_in_code(service) | ({"users"} if service != "users" else set())
        assert egress_to == expected, service
        callers = {
            peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
            for rule in policies[service]["spec"]["ingress"]
            for peer in rule["from"]
            if "podSelector" in peer and "namespaceSelector" not in peer
        }
        assert callers == {s for s in SERVICES if service in calls_in_code(s) | implied(s)}


def implied(service: str) -> set[str]:
    return {"users"} if service not in ("users",) else set()


def calls_in_code(service: str) -> set[str]:
    """The services `service` calls: `ctx.client("<name>")` in its package, and for the
    gateway every service it proxies."""
    if service == "gateway":
        return set(PROXIED_SERVICES)
    pattern = re.compile(r'client\("([a-z]+)"\)')
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "ecart" / service).rglob("*.py"))
    return set(pattern.findall(source))


def selects(selector: Manifest, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and In/NotIn/Exists)."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
    return True
