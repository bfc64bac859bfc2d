"""The selector reader the dashboard and rule checks rely on finds what it should, and the
checks fail on unknown metrics, labels and values."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from ecart.order.api import router
from tests.observability.files import rules
from tests.observability.promql import Matcher, Selector, known_series, problems, selectors


def test_selectors_skip_functions_groupings_and_ranges() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (service, le) ("
        'rate(ecart_http_request_duration_seconds_bucket{service=~"$service"}[5m])))'
        ' / on (service) group_left() max by (service) (up{route="/orders/{order_id}"}) > bool 2'
    )
    assert selectors(expr) == [
        Selector(
            "ecart_http_request_duration_seconds_bucket", (Matcher("service", "=~", "$service"),)
        ),
        Selector("up", (Matcher("route", "=", "/orders/{order_id}"),)),
    ]


def test_problems_are_found() -> None:
    known = known_series()
    assert problems("sum(rate(ecart_nonexistent_total[5m]))", known) == [
        "unknown metric ecart_nonexistent_total"
    ]
    assert problems('ecart_outbox_pending{topic="x"}', known) == [
        "ecart_outbox_pending has no label topic"
    ]
    assert problems('ecart_events_consumed_total{outcome="dlq"}', known) == [
        "ecart_events_consumed_total: outcome='dlq' never exists"
    ]
    assert not problems('ecart_http_request_duration_seconds_bucket{le="1.0"}', known)


def test_routes_in_rules_exist_in_the_order_service() -> None:
    """The checkout SLO's route templates are the order service's real ones."""
    routes = {
        (method, route.path)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    for rule in rules():
        for selector in selectors(rule["expr"]):
            for matcher in selector.matchers:
                if matcher.label != "route":
                    continue
                for path in re.split(r"\|", matcher.value):
                    assert ("POST", path) in routes, path
