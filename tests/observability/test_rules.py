"""The alert and recording rules: labels and annotations every alert needs, metrics that
exist with the labels they have, and unit tests that make every alert fire and stay quiet."""

from __future__ import annotations

import pytest

from tests.observability.files import (
    RUNBOOK_URL,
    Rule,
    alerts,
    load_yaml,
    rule_test_files,
    rules,
)
from tests.observability.promql import known_series, problems

SEVERITIES = {"critical", "warning"}


def test_there_are_alerts_and_recording_rules() -> None:
    assert len(alerts()) >= 15
    assert any("record" in rule for rule in rules())


def test_alert_names_are_unique() -> None:
    names = [rule["alert"] for rule in alerts()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("alert", alerts(), ids=lambda a: a["alert"])
def test_every_alert_has_severity_summary_description_and_runbook(alert: Rule) -> None:
    assert alert["labels"]["severity"] in SEVERITIES
    annotations = alert["annotations"]
    assert annotations["summary"].strip() and annotations["description"].strip()
    assert annotations["runbook_url"] == f"{RUNBOOK_URL}#{alert['alert'].lower()}"


@pytest.mark.parametrize("rule", list(rules()), ids=lambda r: r.get("alert") or r["record"])
def test_rules_read_only_known_metrics_and_labels(rule: Rule) -> None:
    known = known_series() | {name: frozenset() for name in recorded_names()}
    assert not problems(rule["expr"], known)


def recorded_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


def expectations() -> dict[str, set[bool]]:
    """Per alert name: whether the unit tests expect it firing (True), quiet (False) or both."""
    seen: dict[str, set[bool]] = {}
    for path in rule_test_files():
        for test in load_yaml(path)["tests"]:
            for case in test.get("alert_rule_test", []):
                seen.setdefault(case["alertname"], set()).add(bool(case.get("exp_alerts")))
    return seen


@pytest.mark.parametrize("alert", alerts(), ids=lambda a: a["alert"])
def test_every_alert_is_unit_tested_firing_and_quiet(alert: Rule) -> None:
    assert expectations().get(alert["alert"]) == {True, False}


def test_unit_tests_name_only_existing_alerts() -> None:
    assert set(expectations()) <= {rule["alert"] for rule in alerts()}
