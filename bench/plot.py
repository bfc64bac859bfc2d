"""The latency-vs-throughput plot of an open-mode sweep (PNG, matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def latency_curve(sweeps: dict[str, list[dict[str, Any]]], path: Path, *, title: str) -> Path:
    """One line per sweep (label → open-mode summaries): p50 and p99 against the offered
    rate (what the schedule sent; past saturation the server achieves less)."""
    figure, axes = plt.subplots(figsize=(8, 5), dpi=110)
    for (label, runs), color in zip(
        sweeps.items(), ("tab:blue", "tab:orange", "tab:green"), strict=False
    ):
        runs = sorted(runs, key=lambda r: r["rate"])
        rps = [r["rate"] for r in runs]
        axes.plot(rps, [r["p99_ms"] for r in runs], "o-", color=color, label=f"{label} p99")
        axes.plot(rps, [r["p50_ms"] for r in runs], "s--", color=color, label=f"{label} p50")
    axes.set_yscale("log")
    axes.set_xlabel("offered rate (requests/s)")
    axes.set_ylabel("latency from scheduled send (ms, log)")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
