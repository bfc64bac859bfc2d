"""A two-second browse run of the harness against a real `ecart up` (the embedded default),
and its JSON line: the harness boots, seeds, measures and stops the platform."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_a_two_second_browse_run_prints_one_json_line(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "bench",
        "--run",
        "browse",
        "--duration",
        "2",
        "--concurrency",
        "2",
        "--no-pin",
        "--out",
        str(tmp_path),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    run = lines[0]
    assert run["scenario"] == "browse"
    assert run["mode"] == "closed"
    assert run["backend"] == "embedded"
    assert run["concurrency"] == 2
    assert run["operations"] > 0
    assert run["errors"] == {}
    assert 0 < run["p50_ms"] <= run["p95_ms"] <= run["p99_ms"] <= run["max_ms"]
    assert run["rps"] > 0
    saved = (tmp_path / "results.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in saved] == lines
