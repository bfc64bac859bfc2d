"""checkov on every rendering of the chart: no failed check. The only skips are in
`deploy/helm/ecart/.checkov.yaml`, each with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.deploy.conftest import find_tool, run_tool
from tests.deploy.test_helm_render import CHART, VARIANTS, render

CONFIG = CHART / ".checkov.yaml"


def test_checkov_passes_on_every_rendering(tmp_path: Path) -> None:
    for variant in VARIANTS:
        (tmp_path / f"{variant.id}.yaml").write_text(yaml.safe_dump_all(render(variant)))
    result = run_tool(
        find_tool("checkov"), "-d", str(tmp_path), "--config-file", str(CONFIG), "-o", "json"
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [
        f"{check['check_id']} {check['check_name']}: {check['resource']}"
        for check in report["results"]["failed_checks"]
    ]
    assert summary["failed"] == 0, "\n".join(failed)
    assert summary["passed"] > 500  # it did look at the manifests


def test_every_skip_has_a_reason() -> None:
    lines = CONFIG.read_text().splitlines()
    skipped = [i for i, line in enumerate(lines) if line.strip().startswith("- CKV")]
    assert skipped, "no skips: then drop this test"
    for index in skipped:
        assert lines[index - 1].strip().startswith("#"), f"no reason above {lines[index]}"
    config = yaml.safe_load(CONFIG.read_text())
    assert len(config["skip-check"]) == len(skipped)
