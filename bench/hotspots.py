"""The hot spots of a pyinstrument session (`python -m bench --run … --profile FILE`):
the functions with the most self time, and ecart's own functions by total time.

    python -m bench.hotspots profile.pyisession [--top 25]
"""

from __future__ import annotations

import argparse
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path


def _where(key: tuple[str, int, str]) -> str:
    path, line, name = key
    short = path.split("site-packages/")[-1].split("/src/")[-1]
    return f"{name} ({short}:{line})"


def _package(path: str) -> str:
    """`fastapi`, `sqlalchemy`, `ecart.catalog`, `asyncio`, `<built-in>`… for a frame's file."""
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0]
    if "/ecart/" in path:
        parts = path.split("/ecart/")[1].split("/")
        return "ecart." + (parts[0].removesuffix(".py") if len(parts) > 1 else parts[0][:-3])
    if "/lib/python3" in path:
        return path.split("/lib/python3")[1].split("/")[1].removesuffix(".py")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("session", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.pstats"
        command = [sys.executable, "-m", "pyinstrument", "--load", str(args.session)]
        subprocess.run([*command, "-r", "pstats", "-o", str(out)], check=True)  # noqa: S603
        stats = pstats.Stats(str(out))
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values()) or 1.0
    print(f"sampled {total:.1f} s of CPU-or-wait time in the ecart up process")
    print("\nself time by package:")
    by_package: dict[str, float] = {}
    for key, entry in raw.items():
        by_package[_package(key[0])] = by_package.get(_package(key[0]), 0.0) + entry[2]
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {seconds / total:6.1%}  {package}")
    print(f"\ntop {args.top} by self time:")
    for key, entry in sorted(raw.items(), key=lambda kv: -kv[1][2])[: args.top]:
        print(f"  {entry[2] / total:6.1%}  {_where(key)}")
    print(f"\ntop {args.top} ecart functions by total time:")
    ours = [(k, e) for k, e in raw.items() if "/ecart/" in k[0]]
    for key, entry in sorted(ours, key=lambda kv: -kv[1][3])[: args.top]:
        print(f"  {entry[3] / total:6.1%}  {_where(key)}")


if __name__ == "__main__":
    main()
