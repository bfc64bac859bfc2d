"""Fixtures of the resilience scenarios: the real servers, the settings of a run (outage
lengths), and the one-line results (printed, shown in the terminal summary, and appended to
the report file when `ECART_TEST_RESILIENCE_REPORT` names one).

Settings (environment; `ECART_TEST_*` because the suite drops every other `ECART_*`):
- `ECART_TEST_RESILIENCE_OUTAGE_SECONDS` (default 4): how long each fault lasts.
- `ECART_TEST_RESILIENCE_RATE` (default 8): checkouts started per second.
- `ECART_TEST_RESILIENCE_REPORT`: a file the result lines are appended to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.backends import Backend, backend_from
from tests.resilience.processes import production_backend

_lines: list[str] = []


@dataclass(frozen=True)
class RunSettings:
    outage: float
    rate: float
    report: Path | None


def run_settings() -> RunSettings:
    report = os.environ.get("ECART_TEST_RESILIENCE_REPORT", "")
    return RunSettings(
        outage=float(os.environ.get("ECART_TEST_RESILIENCE_OUTAGE_SECONDS", "4")),
        rate=float(os.environ.get("ECART_TEST_RESILIENCE_RATE", "8")),
        report=Path(report) if report else None,
    )


@pytest.fixture(scope="session")
def settings() -> RunSettings:
    return run_settings()


@pytest.fixture(scope="session")
async def servers() -> Backend:
    """PostgreSQL + Kafka + Redis from `make services` (`eval "$(bash scripts/test-env.sh)"`):
    skipped with the reason when they are not configured or do not answer, failed in CI."""
    backend = production_backend()
    problem = ""
    if backend is None:
        problem = (
            "the resilience scenarios need PostgreSQL, Kafka and Redis: set "
            'ECART_TEST_POSTGRES_URL, ECART_TEST_KAFKA and ECART_TEST_REDIS (eval "$(bash '
            'scripts/test-env.sh)" after `make services`)'
        )
    else:
        await backend.check()
        problem = backend.unavailable
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {problem}")
        pytest.skip(problem)
    assert backend is not None
    return backend


def record(line: str) -> None:
    """One scenario's result: printed, kept for the summary, appended to the report."""
    print(line)
    _lines.append(line)
    report = run_settings().report
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        with report.open("a") as handle:
            handle.write(f"- {stamp} {line}\n")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The scenarios choose their own backends (the production servers, and the embedded
    default where it applies), so the suite's second pass (`ECART_TEST_BACKEND=postgres` or
    `production`) deselects them: they ran in the first."""
    backend = backend_from(config.getoption("backend"), dict(os.environ))
    if backend.name == "sqlite":
        return
    here = Path(__file__).parent
    mine = [i for i in items if i.get_closest_marker("resilience") and here in i.path.parents]
    if mine:
        config.hook.pytest_deselected(items=mine)
        items[:] = [i for i in items if i not in mine]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _lines:
        terminalreporter.section("resilience")
        for line in _lines:
            terminalreporter.write_line(line)
