"""Prometheus metrics, one registry per service.

`ecart up` runs every service in one process, and each service's `/metrics` still shows
only its own series: every app has its own `CollectorRegistry`. Every series carries a
`service` label, so dashboards and alerts read the same whether Prometheus scrapes eight
ports of one process, eight containers or eighty pods.

`CATALOG` lists every metric name with its type, labels and help: the dashboards and alert
rules under `deploy/observability/` are checked against it (tests/platform/test_metrics.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Request latencies: 5 ms … 10 s (the p99 > 2 s alert needs a bucket boundary at 2.5 s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}


@dataclass(frozen=True)
class MetricInfo:
    name: str  # as exposed (counters end in _total)
    kind: str  # counter, gauge or histogram
    labels: tuple[str, ...]
    help: str


CATALOG: tuple[MetricInfo, ...] = (
    # RED per service
    MetricInfo(
        "ecart_http_requests_total",
        "counter",
        ("service", "method", "route", "status"),
        "HTTP requests answered, by route template and status code",
    ),
    MetricInfo(
        "ecart_http_request_duration_seconds",
        "histogram",
        ("service", "method", "route"),
        "time to answer an HTTP request, by route template",
    ),
    MetricInfo(
        "ecart_http_requests_in_progress",
        "gauge",
        ("service",),
        "HTTP requests being answered now",
    ),
    # database
    MetricInfo(
        "ecart_db_pool_connections",
        "gauge",
        ("service", "database", "state"),
        "connections of the pool (database primary|replica) in_use or idle",
    ),
    MetricInfo(
        "ecart_db_pool_capacity",
        "gauge",
        ("service", "database"),
        "most connections the pool may open (pool size + overflow)",
    ),
    MetricInfo(
        "ecart_db_errors_total",
        "counter",
        ("service",),
        "requests that failed because the database could not be reached",
    ),
    # events
    MetricInfo(
        "ecart_outbox_pending",
        "gauge",
        ("service",),
        "events written to the outbox and not yet published",
    ),
    MetricInfo(
        "ecart_outbox_oldest_pending_age_seconds",
        "gauge",
        ("service",),
        "age of the oldest unpublished outbox event (0 when none)",
    ),
    MetricInfo(
        "ecart_events_published_total",
        "counter",
        ("service", "topic"),
        "events the outbox relay published to the bus",
    ),
    MetricInfo(
        "ecart_events_consumed_total",
        "counter",
        ("service", "topic", "group", "outcome"),
        "events a consumer handled: processed, duplicate (inbox), failed (will retry) "
        "or dead_lettered",
    ),
    MetricInfo(
        "ecart_consumer_lag",
        "gauge",
        ("service", "topic", "group"),
        "messages on the topic the group has not consumed yet",
    ),
    # cache, breakers, limits
    MetricInfo(
        "ecart_cache_requests_total",
        "counter",
        ("service", "result"),
        "catalog cache look-ups: hit, miss or error (Redis unavailable)",
    ),
    MetricInfo(
        "ecart_circuit_breaker_state",
        "gauge",
        ("service", "target"),
        "circuit breaker towards a service: 0 closed, 1 half-open, 2 open",
    ),
    MetricInfo(
        "ecart_rate_limited_total",
        "counter",
        ("service", "limit"),
        "requests refused by an abuse limit (429)",
    ),
    # business
    MetricInfo("ecart_cart_adds_total", "counter", ("service",), "items added to carts"),
    MetricInfo("ecart_orders_created_total", "counter", ("service",), "orders placed"),
    MetricInfo("ecart_orders_paid_total", "counter", ("service",), "orders paid"),
    MetricInfo(
        "ecart_orders_cancelled_total",
        "counter",
        ("service", "reason"),
        "orders cancelled (by the customer or an admin, or expired)",
    ),
    MetricInfo("ecart_orders_refunded_total", "counter", ("service",), "orders refunded"),
    MetricInfo(
        "ecart_revenue_minor_units_total",
        "counter",
        ("service", "currency"),
        "money taken for paid orders, in minor units (cents)",
    ),
    MetricInfo(
        "ecart_payment_declines_total",
        "counter",
        ("service", "reason"),
        "payments the provider declined",
    ),
    MetricInfo(
        "ecart_reservation_failures_total",
        "counter",
        ("service", "reason"),
        "stock reservations refused (out_of_stock)",
    ),
    MetricInfo(
        "ecart_notifications_sent_total",
        "counter",
        ("service", "kind"),
        "e-mails sent, by kind",
    ),
)
BY_NAME = {info.name: info for info in CATALOG}


class Metrics:
    """A service's registry and its series; `service` is filled in for every series."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        self._metrics: dict[str, Counter | Gauge | Histogram] = {}
        for info in CATALOG:
            if info.labels[0] != "service":
                raise ValueError(f"{info.name}: the first label must be service")
            if info.name in _COLLECTED:
                continue  # read from live objects at scrape time
            self._metrics[info.name] = _create(info, self.registry)
        self._sources = _LiveSources()
        self.registry.register(_LiveCollector(service, self._sources))

    def counter(self, name: str, *labels: str) -> Counter:
        """The child of counter `name` (exposed name, with `_total`) for these labels."""
        metric = self._metrics[name]
        assert isinstance(metric, Counter), name
        return metric.labels(self.service, *labels)

    def gauge(self, name: str, *labels: str) -> Gauge:
        metric = self._metrics[name]
        assert isinstance(metric, Gauge), name
        return metric.labels(self.service, *labels)

    def histogram(self, name: str, *labels: str) -> Histogram:
        metric = self._metrics[name]
        assert isinstance(metric, Histogram), name
        return metric.labels(self.service, *labels)

    def watch_pool(self, database: str, read: Callable[[], tuple[int, int, int]]) -> None:
        """`read()` → (in use, idle, capacity) of a connection pool, read at every scrape."""
        self._sources.pools[database] = read

    def watch_breakers(self, read: Callable[[], Iterable[tuple[str, str]]]) -> None:
        """`read()` → (target, state) of each circuit breaker, read at every scrape."""
        self._sources.breakers = read

    def watch_lag(self, read: Callable[[], Iterable[tuple[str, str, int]]]) -> None:
        """`read()` → (topic, group, messages behind) of each subscription."""
        self._sources.lag = read

    def watch_cache(self, read: Callable[[], tuple[int, int, int]]) -> None:
        """`read()` → (hits, misses, errors) so far of the service's cache."""
        self._sources.cache = read


# Gauges whose values are read from live objects when Prometheus scrapes.
_COLLECTED = {
    "ecart_db_pool_connections",
    "ecart_db_pool_capacity",
    "ecart_circuit_breaker_state",
    "ecart_consumer_lag",
    "ecart_cache_requests_total",
}


def _create(info: MetricInfo, registry: CollectorRegistry) -> Counter | Gauge | Histogram:
    if info.kind == "counter":
        return Counter(info.name.removesuffix("_total"), info.help, info.labels, registry=registry)
    if info.kind == "gauge":
        return Gauge(info.name, info.help, info.labels, registry=registry)
    return Histogram(info.name, info.help, info.labels, buckets=LATENCY_BUCKETS, registry=registry)


class _LiveSources:
    def __init__(self) -> None:
        self.pools: dict[str, Callable[[], tuple[int, int, int]]] = {}
        self.breakers: Callable[[], Iterable[tuple[str, str]]] = list
        self.lag: Callable[[], Iterable[tuple[str, str, int]]] = list
        self.cache: Callable[[], tuple[int, int, int]] | None = None


class _LiveCollector(Collector):
    def __init__(self, service: str, sources: _LiveSources) -> None:
        self.service = service
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        info = BY_NAME["ecart_db_pool_connections"]
        connections = GaugeMetricFamily(info.name, info.help, labels=info.labels)
        info = BY_NAME["ecart_db_pool_capacity"]
        capacity = GaugeMetricFamily(info.name, info.help, labels=info.labels)
        for database, read in self.sources.pools.items():
            in_use, idle, most = read()
            connections.add_metric([self.service, database, "in_use"], in_use)
            connections.add_metric([self.service, database, "idle"], idle)
            capacity.add_metric([self.service, database], most)
        info = BY_NAME["ecart_circuit_breaker_state"]
        breakers = GaugeMetricFamily(info.name, info.help, labels=info.labels)
        for target, state in self.sources.breakers():
            breakers.add_metric([self.service, target], BREAKER_STATES[state])
        info = BY_NAME["ecart_consumer_lag"]
        lag = GaugeMetricFamily(info.name, info.help, labels=info.labels)
        for topic, group, behind in self.sources.lag():
            lag.add_metric([self.service, topic, group], behind)
        yield from (connections, capacity, breakers, lag)
        if self.sources.cache is not None:
            info = BY_NAME["ecart_cache_requests_total"]
            cache = CounterMetricFamily(
                info.name.removesuffix("_total"), info.help, labels=info.labels
            )
            for result, count in zip(("hit", "miss", "error"), self.sources.cache(), strict=True):
                cache.add_metric([self.service, result], count)
            yield cache
