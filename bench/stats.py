"""Percentiles and the one-JSON-line-per-run result."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (the smallest value with at least p% of values at or below
    it); `values` need not be sorted. 0.0 for no values."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile out of range: {p}")
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Result:
    """One run: `latencies` in seconds, one per operation (an operation may be several
    HTTP requests, e.g. a checkout); `statuses` counts every HTTP answer (0 = no answer)."""

    scenario: str
    mode: str  # "closed" or "open"
    backend: str
    load: int | float  # concurrency (closed) or operations per second (open)
    duration: float  # wall time from the first send to the last answer
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failed_ops: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def summary(self) -> dict[str, Any]:
        ms = [v * 1000 for v in self.latencies]
        elapsed = self.duration or 1e-9
        errors = {str(s): n for s, n in sorted(self.statuses.items()) if not 200 <= s < 300}
        load_key = "concurrency" if self.mode == "closed" else "rate"
        return {
            "scenario": self.scenario,
            "mode": self.mode,
            "backend": self.backend,
            load_key: self.load,
            "duration_s": round(self.duration, 3),
            "operations": len(self.latencies),
            "failed_operations": self.failed_ops,
            "requests": self.requests,
            "errors": errors,
            "rps": round(self.requests / elapsed, 1),
            "ops_per_s": round((len(self.latencies) - self.failed_ops) / elapsed, 1),
            "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(max(ms, default=0.0), 2),
            **self.extra,
        }

    def json_line(self) -> str:
        return json.dumps(self.summary(), separators=(", ", ": "))
