"""Writes each service's OpenAPI document to `web/src/api/specs/<service>.json`, the input
of the web app's generated API types (`npm run gen:api` in `web/`).

    python scripts/openapi_specs.py          # write the documents
    python scripts/openapi_specs.py --check  # exit 1 when a committed document is stale

The documents come from the in-process apps (no server is started) built with default
settings: `ECART_*` variables are ignored and a throw-away data dir is used, so the output
depends on the code only.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

SPECS_DIR = Path(__file__).resolve().parents[1] / "web" / "src" / "api" / "specs"
# The services the web app calls through the gateway (`/api/<service>/…`).
WEB_SERVICES = ("users", "catalog", "cart", "order", "payment", "inventory", "notifications")


def documents() -> dict[str, str]:
    """Each service's OpenAPI document as the text written to its file."""
    from ecart.registry import SERVICES

    saved = {k: v for k, v in os.environ.items() if k.startswith("ECART_")}
    for key in saved:
        del os.environ[key]
    try:
        with tempfile.TemporaryDirectory(prefix="ecart-openapi-") as data_dir:
            os.environ["ECART_DATA_DIR"] = data_dir
            texts = {}
            for name in WEB_SERVICES:
                spec = SERVICES[name]
                app = spec.app_factory()(spec.settings())
                document: dict[str, Any] = app.openapi()
                texts[name] = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            return texts
    finally:
        os.environ.pop("ECART_DATA_DIR", None)
        os.environ.update(saved)


def stale(texts: dict[str, str]) -> list[str]:
    """The services whose committed document differs from `texts`."""
    return [
        name
        for name, text in texts.items()
        if not (SPECS_DIR / f"{name}.json").is_file()
        or (SPECS_DIR / f"{name}.json").read_text() != text
    ]


def main(argv: list[str]) -> int:
    texts = documents()
    if "--check" in argv:
        if outdated := stale(texts):
            print(
                f"stale OpenAPI documents in {SPECS_DIR}: {', '.join(outdated)}; run "
                "`python scripts/openapi_specs.py && (cd web && npm run gen:api)`",
                file=sys.stderr,
            )
            return 1
        return 0
    SPECS_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (SPECS_DIR / f"{name}.json").write_text(text)
    print(f"wrote {len(texts)} documents to {SPECS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
