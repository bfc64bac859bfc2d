"""The harness's arithmetic: percentiles and the JSON line of a run."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from bench.report import summary
from bench.stats import Result, percentile


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unsorted
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1


def test_percentiles_of_small_and_empty_samples() -> None:
    assert percentile([], 99) == 0.0
    assert percentile([7.0], 50) == 7.0
    assert percentile([1.0, 2.0], 50) == 1.0
    assert percentile([1.0, 2.0], 51) == 2.0
    # p99 of 10 values is the largest: one slow answer in ten is never hidden.
    assert percentile([1.0] * 9 + [500.0], 99) == 500.0
    with pytest.raises(ValueError, match="out of range"):
        percentile([1.0], 101)


def test_a_run_is_one_json_line_with_the_agreed_fields() -> None:
    result = Result(
        scenario="checkout",
        mode="open",
        backend="embedded",
        load=20.0,
        duration=2.0,
        latencies=[0.010, 0.020, 0.030, 0.400],
        statuses=Counter({200: 9, 201: 3, 409: 2, 0: 1}),
        failed_ops=1,
    )
    line = result.json_line()
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed == {
        "scenario": "checkout",
        "mode": "open",
        "backend": "embedded",
        "rate": 20.0,
        "duration_s": 2.0,
        "operations": 4,
        "failed_operations": 1,
        "requests": 15,
        "errors": {"0": 1, "409": 2},
        "rps": 7.5,
        "ops_per_s": 1.5,
        "p50_ms": 20.0,
        "p95_ms": 400.0,
        "p99_ms": 400.0,
        "max_ms": 400.0,
    }


def test_closed_runs_report_their_concurrency() -> None:
    result = Result("browse", "closed", "embedded", 32, 1.0, [0.001], Counter({200: 1}))
    summary_ = result.summary()
    assert summary_["concurrency"] == 32
    assert "rate" not in summary_


def test_the_targets_table_says_met_or_not_met() -> None:
    lines = [
        {"scenario": "browse_vs_ceiling", "browse_rps": 600.0, "ceiling_rps": 1000.0, "ratio": 0.6},
        {"scenario": "startup", "ready_s": 2.5},
        {"scenario": "rss", "after": "mixed 60 s", "vmrss_mb": 512.0},
    ]
    table = summary(lines, backend="embedded", pinned=True)
    assert "| 60% (600 vs 1000 req/s) | **not met** |" in table
    assert "| 2.50 s | met |" in table
    assert "| 512 MB | **not met** |" in table
