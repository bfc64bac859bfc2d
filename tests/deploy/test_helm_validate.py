"""Every object the chart renders, validated: core objects with `kubernetes-validate --strict`
against the newest Kubernetes it bundles; custom resources (and the Argo CD Applications)
against the CRD schemas vendored in `deploy/schemas/` with `check-jsonschema`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, find_tool, run_tool
from tests.deploy.test_helm_render import (
    KUBE_VERSION,
    VARIANTS,
    Manifest,
    Variant,
    argocd_applications,
    is_custom,
    render,
)

SCHEMAS = DEPLOY / "schemas"


def schema_for(manifest: Manifest) -> Path:
    group, _, version = str(manifest["apiVersion"]).rpartition("/")
    return SCHEMAS / f"{str(manifest['kind']).lower()}-{group}-{version}.json"


def write_all(manifests: list[Manifest], directory: Path, stem: str) -> list[Path]:
    paths = []
    for index, manifest in enumerate(manifests):
        path = directory / f"{stem}-{index}-{manifest['kind']}.yaml"
        path.write_text(yaml.safe_dump(manifest))
        paths.append(path)
    return paths


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_core_objects_are_valid_kubernetes(variant: Variant, tmp_path: Path) -> None:
    core = [m for m in render(variant) if not is_custom(m)]
    paths = write_all(core, tmp_path, "core")
    result = run_tool(
        find_tool("kubernetes-validate"), "--strict", "-k", KUBE_VERSION, *map(str, paths)
    )
    # A kind it has no schema for is only a warning: here it is a failure.
    assert "Couldn't find schema" not in result.stdout + result.stderr
    assert "INFO" in result.stdout, result.stdout  # one line per valid object


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_custom_resources_match_vendored_crd_schemas(variant: Variant, tmp_path: Path) -> None:
    check_custom([m for m in render(variant) if is_custom(m)], tmp_path)


def test_argocd_applications_match_the_vendored_schema(tmp_path: Path) -> None:
    applications = argocd_applications()
    assert {a["metadata"]["name"] for a in applications} == {
        "ecart-dev",
        "ecart-staging",
        "ecart-prod",
    }
    check_custom(applications, tmp_path)


def test_a_wrong_field_fails_the_schema_check(tmp_path: Path) -> None:
    """The check can fail: a ServiceMonitor endpoint with a misspelt field is refused."""
    monitor = next(m for m in render(VARIANTS[4]) if m["kind"] == "ServiceMonitor")
    broken = {**monitor, "spec": {**monitor["spec"], "endpoints": [{"prot": "http"}]}}
    path = write_all([broken], tmp_path, "broken")[0]
    with pytest.raises(pytest.fail.Exception):
        run_tool(find_tool("check-jsonschema"), "--schemafile", str(schema_for(broken)), str(path))


def check_custom(manifests: list[Manifest], directory: Path) -> None:
    by_schema: dict[Path, list[Manifest]] = {}
    for manifest in manifests:
        schema = schema_for(manifest)
        assert schema.exists(), f"no vendored schema for {manifest['kind']}: {schema.name}"
        by_schema.setdefault(schema, []).append(manifest)
    for schema, instances in by_schema.items():
        paths = write_all(instances, directory, schema.stem)
        run_tool(find_tool("check-jsonschema"), "--schemafile", str(schema), *map(str, paths))
