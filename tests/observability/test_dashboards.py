"""The Grafana dashboards: valid JSON Grafana can load, unique panel ids, the data source
and `service` variables, and queries on metrics that exist with the labels they have."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.observability.files import dashboards, expressions, panels, recorded
from tests.observability.promql import known_series, problems

EXPECTED = {
    "ecart-overview.json",
    "ecart-checkout.json",
    "ecart-events.json",
    "ecart-infrastructure.json",
}
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
LABEL_VALUES = re.compile(r"^label_values\((\w+),\s*(\w+)\)$")


def test_the_four_dashboards_exist() -> None:
    assert set(dashboards()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dashboard_is_loadable(name: str) -> None:
    dashboard = dashboards()[name]
    assert dashboard["uid"] == name.removesuffix(".json")
    assert dashboard["schemaVersion"] >= 39
    assert "ecart" in dashboard["tags"]
    ids = [panel["id"] for panel in panels(dashboard)]
    assert len(ids) == len(set(ids)), f"duplicate panel ids in {name}"
    for panel in panels(dashboard):
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_panels_use_the_datasource_variable(name: str) -> None:
    dashboard = dashboards()[name]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["service"]["includeAll"] and variables["service"]["multi"]
    for panel in panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_queries_read_known_metrics_and_labels(name: str) -> None:
    known = known_series() | {series: frozenset() for series in recorded()}
    found = [
        f"{title}: {problem}"
        for title, expr in expressions(dashboards()[name])
        for problem in problems(expr, known)
    ]
    assert not found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_variables_read_known_metrics_and_labels(name: str) -> None:
    known = known_series()
    for variable in dashboards()[name]["templating"]["list"]:
        if variable["type"] != "query":
            continue
        match = LABEL_VALUES.match(variable_query(variable))
        assert match, variable["name"]
        metric, label = match.groups()
        assert label in known[metric], f"{metric} has no label {label}"


def variable_query(variable: dict[str, Any]) -> str:
    query = variable["query"]
    return str(query["query"] if isinstance(query, dict) else query)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_service_filter_applies(name: str) -> None:
    """Every ecart query filters on the `service` variable (infrastructure: on containers)."""
    for title, expr in expressions(dashboards()[name]):
        if "ecart:" in expr or "kube_pod_status_phase" in expr:
            continue  # recorded SLO ratios; pods of the whole namespace
        assert "$service" in expr, title
