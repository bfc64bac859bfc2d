"""The web app's API types are generated from the OpenAPI documents committed in
`web/src/api/specs/`; these must be what the services' code describes today (the web app's own
test, `src/api/types.test.ts`, holds the generated types to the documents)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "openapi_specs.py"
SPECS = ROOT / "web" / "src" / "api" / "specs"


def test_committed_openapi_documents_are_current() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(SCRIPT), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_documents_describe_what_the_web_app_calls() -> None:
    order = json.loads((SPECS / "order.json").read_text())
    assert "/orders/stats" in order["paths"]
    assert {p["name"] for p in order["paths"]["/orders"]["get"]["parameters"]} >= {"status"}
    catalog = json.loads((SPECS / "catalog.json").read_text())
    sort = next(
        p for p in catalog["paths"]["/products"]["get"]["parameters"] if p["name"] == "sort"
    )
    assert "-price" in json.dumps(sort)
