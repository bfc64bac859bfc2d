"""Fuzzes every service's OpenAPI document with schemathesis (`st run`) against the running
platform: its examples, coverage (boundary values, wrong types, missing or malformed bodies,
NUL bytes, huge numbers) and fuzzing phases, in schema-valid and schema-invalid modes. Each
operation is called with the token of a role its service's authorization table allows (a
customer where one may, with their own `user_id`), so requests get past authorization and
reach validation and the handlers. No answer may be a 5xx; every answer must match the
documented status codes, content types, headers and bodies; invalid input must get a 4xx.

Bounded and reproducible: `MAX_EXAMPLES` per operation, a fixed seed, deterministic
generation. `pytest -m fuzz` runs only this suite."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ecart.platform.authz import Policy, Rule
from tests.fuzz.conftest import Platform

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]

MAX_EXAMPLES = 25
SEED = 20260101
SERVICES = ("users", "catalog", "inventory", "cart", "order", "payment")

# Every check schemathesis has for single requests except `positive_data_acceptance`: business
# rules that no schema expresses (an empty cart, a common password, no stock) refuse
# schema-valid input by design, with documented 400/409/422 answers.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
)


def role_for(rule: Rule) -> str | None:
    """The least privileged role the rule allows (a customer, else a service, else an admin);
    `None` for a public route (no token)."""
    if rule.public:
        return None
    return next(role for role in ("customer", "service", "admin") if role in rule.roles)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return json.dumps(value)  # a JSON string or integer is a TOML one too
    raise TypeError(f"no TOML for {value!r}")


def _table(lines: list[str], header: str, values: dict[str, Any]) -> None:
    lines.append(header)
    lines.extend(f"{json.dumps(key)} = {_toml(value)}" for key, value in values.items())


def config_for(policy: Policy, platform: Platform) -> str:
    """A `schemathesis.toml`: bounds, checks, and per operation its token and, for a customer
    acting on their own data, their `user_id` in the path or body."""
    lines = [f"seed = {SEED}", "request-timeout = 30", "workers = 1"]
    _table(
        lines,
        "[generation]",
        {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
    )
    _table(lines, "[phases.stateful]", {"enabled": False})
    _table(lines, "[checks]", {"enabled": False})
    for check in CHECKS:
        _table(lines, f"[checks.{check}]", {"enabled": True})
    for (method, path), rule in sorted(policy.items()):
        role = role_for(rule)
        if role is None:
            continue
        # One filter naming the operation: separate method and path filters would be ORed.
        _table(lines, "[[operations]]", {"include-name": f"{method} {path}"})
        _table(
            lines,
            "[operations.headers]",
            {"Authorization": f"Bearer {platform.tokens[role]}"},
        )
        if role == "customer" and rule.owner in ("path", "body"):
            name = f"{rule.owner}.user_id"
            _table(lines, "[operations.parameters]", {name: platform.customer_id})
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("service", SERVICES)
def test_fuzz(service: str, platform: Platform, tmp_path: Path) -> None:
    policy: Policy = importlib.import_module(f"ecart.{service}.policy").POLICY
    config = tmp_path / "schemathesis.toml"
    config.write_text(config_for(policy, platform))
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "run",
            f"{platform.urls[service]}/openapi.json",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    report = "\n".join(line[:400] for line in result.stdout.splitlines())  # long URLs
    assert result.returncode == 0, report[-30_000:] + result.stderr[-5000:]
    print(result.stdout[-700:])  # the summary (`pytest -m fuzz -rP` shows it)
