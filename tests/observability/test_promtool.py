"""The rules, their unit tests, Compose's Prometheus configuration and every dashboard query,
checked by promtool (Debian's `prometheus` package; `scripts/deploy-tools.sh` installs it).
Skipped with the reason without promtool, failed in CI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import find_tool, run_tool
from tests.observability.files import (
    COMPOSE_PROMETHEUS,
    RULES_DIR,
    as_promql,
    dashboards,
    expressions,
    load_yaml,
    rule_files,
    rule_test_files,
)


@pytest.mark.parametrize("path", rule_files(), ids=lambda p: p.name)
def test_rules_pass_promtool_check(path: Path) -> None:
    result = run_tool(find_tool("promtool"), "check", "rules", str(path))
    assert "SUCCESS" in result.stdout + result.stderr


@pytest.mark.parametrize("path", rule_test_files(), ids=lambda p: p.name)
def test_rule_unit_tests_pass(path: Path) -> None:
    run_tool(find_tool("promtool"), "test", "rules", path.name, cwd=RULES_DIR)


def test_every_rules_file_has_unit_tests() -> None:
    tested = {f for path in rule_test_files() for f in load_yaml(path)["rule_files"]}
    assert tested == {path.name for path in rule_files()}


def test_a_failing_rule_test_fails(tmp_path: Path) -> None:
    """The unit tests can fail: an alert expected where none fires is reported."""
    shutil.copy(RULES_DIR / "ecart-alerts.rules.yaml", tmp_path)
    broken = {
        "rule_files": ["ecart-alerts.rules.yaml"],
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'ecart_db_errors_total{service="order"}', "values": "0x10"}
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "10m",
                        "alertname": "EcartDatabaseErrors",
                        "exp_alerts": [
                            {"exp_labels": {"service": "order", "severity": "critical"}}
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "broken.test.yaml").write_text(yaml.safe_dump(broken))
    with pytest.raises(pytest.fail.Exception):
        run_tool(find_tool("promtool"), "test", "rules", "broken.test.yaml", cwd=tmp_path)


def test_compose_prometheus_config_and_its_rules(tmp_path: Path) -> None:
    """As Compose mounts them: the configuration and `rules/` (the rules folder) beside it."""
    config = yaml.safe_load(COMPOSE_PROMETHEUS.read_text())
    assert config["rule_files"] == ["rules/*.rules.yaml"]
    shutil.copy(COMPOSE_PROMETHEUS, tmp_path / "prometheus.yml")
    (tmp_path / "rules").symlink_to(RULES_DIR)
    result = run_tool(find_tool("promtool"), "check", "config", str(tmp_path / "prometheus.yml"))
    output = result.stdout + result.stderr
    for path in rule_files():
        assert path.name in output, f"promtool did not read {path.name}:\n{output}"


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_dashboard_queries_are_valid_promql(name: str, tmp_path: Path) -> None:
    """Every query, with Grafana's variables filled in, as a recording rule promtool parses."""
    queries = [as_promql(expr) for _, expr in expressions(dashboards()[name])]
    assert queries, f"{name} has no query"
    group = {
        "name": name,
        "rules": [{"record": f"dashboard:query_{i}", "expr": q} for i, q in enumerate(queries)],
    }
    path = tmp_path / "dashboard.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [group]}))
    run_tool(find_tool("promtool"), "check", "rules", str(path))
