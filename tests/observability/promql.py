"""Just enough PromQL reading to check the names dashboards and rules use: every vector
selector (metric name and label matchers) of an expression. Syntax itself is promtool's job
(test_promtool.py); this only has to find the selectors of valid expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecart.platform.metrics import CATALOG

# Series that are not ecart's: Prometheus' own `up` (labelled with the scrape target's
# labels: Compose's static `service`, or a ServiceMonitor's namespace/service/pod/...) and
# the standard kube-state-metrics and cAdvisor series the infrastructure views read.
TARGET_LABELS = frozenset({"job", "instance"})
KUBERNETES_TARGET = frozenset({"namespace", "service", "pod", "container", "endpoint"})
INFRASTRUCTURE: dict[str, frozenset[str]] = {
    "up": TARGET_LABELS | KUBERNETES_TARGET,
    "container_cpu_usage_seconds_total": frozenset({"namespace", "pod", "container", "cpu"}),
    "container_memory_working_set_bytes": frozenset({"namespace", "pod", "container"}),
    "kube_pod_container_status_restarts_total": frozenset({"namespace", "pod", "container"}),
    "kube_pod_status_phase": frozenset({"namespace", "pod", "phase"}),
    "kube_pod_container_resource_limits": frozenset(
        {"namespace", "pod", "container", "node", "resource", "unit"}
    ),
    "kube_deployment_status_replicas_available": frozenset({"namespace", "deployment"}),
    "kube_deployment_spec_replicas": frozenset({"namespace", "deployment"}),
}
# Literal label values that must be one of these (regexes and variables are not checked).
VALUES: dict[str, frozenset[str]] = {
    "service": frozenset(
        {"users", "catalog", "inventory", "cart", "order", "payment", "notifications", "gateway"}
    ),
    "outcome": frozenset({"processed", "duplicate", "failed", "dead_lettered"}),
    "state": frozenset({"in_use", "idle"}),
    "result": frozenset({"hit", "miss", "error"}),
    "database": frozenset({"primary", "replica"}),
    "resource": frozenset({"cpu", "memory"}),
}

_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")'
    r'|(?P<selector>\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})'
    r"|(?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)(?P<call>\s*\()?"
)
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_RANGE = re.compile(r"\[[^\]]*\]")
_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or"}
    | {"unless", "offset", "inf", "nan", "Inf", "NaN"}
)


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str
    value: str


@dataclass(frozen=True)
class Selector:
    metric: str
    matchers: tuple[Matcher, ...]


def selectors(expr: str) -> list[Selector]:
    """The vector selectors of `expr`, in order."""
    text = _GROUPING.sub(" ", _RANGE.sub(" ", expr))
    found: list[Selector] = []
    tokens = list(_TOKEN.finditer(text))
    for index, token in enumerate(tokens):
        name = token.group("name")
        if name is None or token.group("call") or name in _KEYWORDS:
            if token.group("selector") and (index == 0 or not _is_metric(tokens[index - 1])):
                raise ValueError(f"a selector without a metric name in {expr!r}")
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        adjacent = following is not None and not text[token.end() : following.start()].strip()
        body = following.group("selector") if following is not None and adjacent else None
        found.append(Selector(name, parse_matchers(body[1:-1]) if body else ()))
    return found


def _is_metric(token: re.Match[str]) -> bool:
    name = token.group("name")
    return name is not None and not token.group("call") and name not in _KEYWORDS


def parse_matchers(body: str) -> tuple[Matcher, ...]:
    matchers = []
    position = 0
    while position < len(body.rstrip()):
        match = _MATCHER.match(body, position)
        if not match:
            raise ValueError(f"cannot read the label matchers {body!r}")
        matchers.append(Matcher(*match.groups()))
        position = match.end()
    return tuple(matchers)


def known_series() -> dict[str, frozenset[str]]:
    """Every series name ecart exposes (histograms as _bucket/_sum/_count) with its labels."""
    known = dict(INFRASTRUCTURE)
    for info in CATALOG:
        labels = frozenset(info.labels) | TARGET_LABELS
        if info.kind == "histogram":
            known[f"{info.name}_bucket"] = labels | {"le"}
            known[f"{info.name}_sum"] = labels
            known[f"{info.name}_count"] = labels
        else:
            known[info.name] = labels
    return known


def problems(expr: str, known: dict[str, frozenset[str]]) -> list[str]:
    """Unknown metrics, labels a metric does not have, and impossible literal values."""
    found = []
    for selector in selectors(expr):
        labels = known.get(selector.metric)
        if labels is None:
            found.append(f"unknown metric {selector.metric}")
            continue
        for matcher in selector.matchers:
            if matcher.label not in labels:
                found.append(f"{selector.metric} has no label {matcher.label}")
            allowed = VALUES.get(matcher.label)
            literal = matcher.op in ("=", "!=") and "$" not in matcher.value
            if allowed and literal and matcher.value and matcher.value not in allowed:
                found.append(f"{selector.metric}: {matcher.label}={matcher.value!r} never exists")
    return found
