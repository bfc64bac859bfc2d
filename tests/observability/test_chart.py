"""The Helm chart ships the same rules (as PrometheusRules, when the operator's API is served)
and dashboards (as ConfigMaps for Grafana's sidecar, when enabled) as the files here."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.deploy.conftest import find_tool, run_tool
from tests.deploy.test_helm_render import MONITORING_API, Variant, of_kind, render
from tests.observability.files import RUNBOOK_URL, dashboards, load_yaml, rule_files

WITH_API = Variant("values-prod.yaml", (MONITORING_API,))


def test_prometheus_rules_match_the_rule_files() -> None:
    shipped = {
        m["metadata"]["name"]: m["spec"]["groups"]
        for m in of_kind(render(WITH_API), "PrometheusRule")
    }
    expected = {
        f"ecart-{path.name.removesuffix('.rules.yaml').removeprefix('ecart-')}": load_yaml(path)[
            "groups"
        ]
        for path in rule_files()
    }
    assert shipped == expected


def test_rendered_rules_pass_promtool(tmp_path: Path) -> None:
    for rule in of_kind(render(WITH_API), "PrometheusRule"):
        path = tmp_path / f"{rule['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
        run_tool(find_tool("promtool"), "check", "rules", str(path))


def test_no_prometheus_rule_without_the_api_or_when_disabled() -> None:
    assert not of_kind(render(Variant("values-prod.yaml")), "PrometheusRule")
    disabled = Variant(
        "values-prod.yaml", (MONITORING_API,), ("observability.prometheusRule.enabled=false",)
    )
    assert not of_kind(render(disabled), "PrometheusRule")
    forced = Variant("values.yaml", sets=("observability.prometheusRule.force=true",))
    assert len(of_kind(render(forced), "PrometheusRule")) == len(rule_files())


def test_runbook_url_can_point_elsewhere() -> None:
    variant = Variant(
        "values.yaml",
        (MONITORING_API,),
        ("observability.prometheusRule.runbookUrl=https://wiki.example.com/ecart",),
    )
    urls = [
        r["annotations"]["runbook_url"]
        for m in of_kind(render(variant), "PrometheusRule")
        for g in m["spec"]["groups"]
        for r in g["rules"]
        if "alert" in r
    ]
    assert urls and all(u.startswith("https://wiki.example.com/ecart#") for u in urls)
    assert not any(RUNBOOK_URL in u for u in urls)


def test_dashboards_ship_as_sidecar_config_maps_when_enabled() -> None:
    maps = [
        m
        for m in of_kind(render(WITH_API), "ConfigMap")
        if m["metadata"]["labels"].get("grafana_dashboard") == "1"
    ]
    shipped = {name: json.loads(text) for m in maps for name, text in m["data"].items()}
    assert shipped == dashboards()
    assert all(m["metadata"]["annotations"] == {"grafana_folder": "ecart"} for m in maps)


def test_no_dashboards_by_default() -> None:
    labels = [m["metadata"]["labels"] for m in of_kind(render(Variant("values.yaml")), "ConfigMap")]
    assert not any("grafana_dashboard" in label for label in labels)
