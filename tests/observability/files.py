"""The observability files under test and how to read them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
RULES_DIR = OBSERVABILITY / "prometheus"
DASHBOARDS_DIR = OBSERVABILITY / "dashboards"
RUNBOOKS = ROOT / "docs" / "runbooks.md"
COMPOSE_PROMETHEUS = ROOT / "deploy" / "compose" / "prometheus.yml"
RUNBOOK_URL = "https://github.com/ecart/ecart/blob/main/docs/runbooks.md"

Rule = dict[str, Any]


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.rules.yaml"))


def rule_test_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.test.yaml"))


def load_yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def rules() -> Iterator[Rule]:
    for path in rule_files():
        for group in load_yaml(path)["groups"]:
            yield from group["rules"]


def alerts() -> list[Rule]:
    return [rule for rule in rules() if "alert" in rule]


def recorded() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


def dashboards() -> dict[str, dict[str, Any]]:
    return {
        path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS_DIR.glob("*.json"))
    }


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def expressions(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(panel title, PromQL) of every query of the dashboard's panels."""
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


# Grafana's variables, replaced by what Prometheus would get to check an expression.
GRAFANA_VARIABLES = {
    "$__rate_interval": "5m",
    "$__range": "1h",
    "$__interval": "1m",
    "$service": ".*",
    "$namespace": "ecart",
}


def as_promql(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr
