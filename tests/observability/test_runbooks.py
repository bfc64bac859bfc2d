"""docs/runbooks.md has one section per alert, no section without an alert, and each
section says what the alert means, how to confirm it, what to do and when to escalate."""

from __future__ import annotations

import re

from tests.observability.files import RUNBOOKS, alerts

SECTION = re.compile(r"^## (\S+)\n(.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)
PARTS = ("**Meaning.**", "**Confirm.**", "**Act.**", "**Escalate.**")


def sections() -> dict[str, str]:
    return dict(SECTION.findall(RUNBOOKS.read_text()))


def test_one_section_per_alert_and_no_other() -> None:
    assert set(sections()) == {alert["alert"] for alert in alerts()}


def test_every_section_means_confirms_acts_and_escalates() -> None:
    incomplete = {
        name: [part for part in PARTS if part not in body]
        for name, body in sections().items()
        if not all(part in body for part in PARTS)
    }
    assert not incomplete


def test_links_between_sections_resolve() -> None:
    anchors = {name.lower() for name in sections()}
    links = set(re.findall(r"\]\(#([a-z0-9-]+)\)", RUNBOOKS.read_text()))
    assert links <= anchors, links - anchors
