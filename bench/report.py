"""The targets table of issue 9, filled from one harness run's JSON lines."""

from __future__ import annotations

from typing import Any


def _find(lines: list[dict[str, Any]], scenario: str, **match: Any) -> dict[str, Any] | None:
    for line in reversed(lines):
        if line.get("scenario") == scenario and all(line.get(k) == v for k, v in match.items()):
            found: dict[str, Any] = line
            return found
    return None


def _row(metric: str, target: str, figure: str, met: bool | None) -> str:
    verdict = "—" if met is None else ("met" if met else "**not met**")
    return f"| {metric} | {target} | {figure} | {verdict} |"


def summary(lines: list[dict[str, Any]], *, backend: str, pinned: bool) -> str:
    rows = [
        f"Targets ({backend}; "
        + ("servers on cpu 0, load generator on cpu 1)" if pinned else "not pinned)"),
        "",
        "| metric | target | measured | verdict |",
        "|---|---|---|---|",
    ]
    ratio = _find(lines, "browse_vs_ceiling")
    if ratio and ratio["ratio"] is not None:
        rows.append(
            _row(
                "browse rps vs bare-Starlette ceiling (one process, one core)",
                "≥ 70% (floor 50%)",
                f"{ratio['ratio']:.0%} ({ratio['browse_rps']:.0f} vs "
                f"{ratio['ceiling_rps']:.0f} req/s)",
                ratio["ratio"] >= 0.7,
            )
        )
        if ratio.get("cpu_ratio"):
            rows.append(
                _row(
                    "the same as CPU per request (capacity of one core; the ceiling's rps is "
                    f"bound by the load generator at client_cpu {ratio['ceiling_client_cpu']})",
                    "≥ 70% (floor 50%)",
                    f"{ratio['cpu_ratio']:.0%} ({ratio['browse_cpu_ms_per_request']:.3f} vs "
                    f"{ratio['ceiling_cpu_ms_per_request']:.3f} ms CPU per request)",
                    ratio["cpu_ratio"] >= 0.7,
                )
            )
    half = _find(lines, "browse", mode="open", share_of_max=0.5)
    if half:
        rows.append(
            _row(
                "browse p99 at 50% of max rate (open)",
                "≤ 10 ms",
                f"{half['p99_ms']:.1f} ms at {half['rate']:g} req/s",
                half["p99_ms"] <= 10,
            )
        )
    best = _find(lines, "checkout", mode="closed")
    if best:
        rows.append(
            _row(
                f"checkout paid orders/s ({backend}, `ecart up` = 1 process)",
                "≥ 150/s",
                f"{best['ops_per_s']:.1f}/s (p50 {best['p50_ms']:.0f} ms, "
                f"concurrency {best['concurrency']})",
                best["ops_per_s"] >= 150,
            )
        )
    checkout_half = _find(lines, "checkout", mode="open")
    if checkout_half:
        rows.append(
            _row(
                "checkout p99 at half the max rate (open)",
                "≤ 300 ms",
                f"{checkout_half['p99_ms']:.0f} ms at {checkout_half['rate']:g}/s",
                checkout_half["p99_ms"] <= 300,
            )
        )
    flash = _find(lines, "flash_sale_reservations")
    if flash:
        rows.append(
            _row(
                f"flash sale, one hot SKU ({backend}): reservations/s, oversold",
                "≥ 500/s, 0 oversold",
                f"{flash['per_s']:.0f}/s, {flash['created']} of stock {flash['stock']} reserved, "
                f"oversold {flash['oversold']}",
                flash["per_s"] >= 500 and flash["oversold"] == 0,
            )
        )
    orders = _find(lines, "flash_sale_orders")
    if orders:
        rows.append(
            _row(
                "flash sale through cart + order: orders created vs stock",
                "= stock, 0 oversold",
                f"{orders['created']} of {orders['stock']} ({orders['per_s']:.0f}/s), final "
                f"available {orders['final_available']}, oversold {orders['oversold']}",
                orders["created"] == orders["stock"] and orders["oversold"] == 0,
            )
        )
    scale = [line for line in lines if "catalog_size" in line]
    if scale:
        small = min(line["catalog_size"] for line in scale)
        large = max(line["catalog_size"] for line in scale)
        for name in ("browse", "browse_deep", "search", "search_rare", "filter"):
            a = _find(lines, name, catalog_size=small)
            b = _find(lines, name, catalog_size=large)
            if a and b and large > small:
                factor = b["p50_ms"] / a["p50_ms"] if a["p50_ms"] else float("inf")
                cpu_a = a.get("server_cpu_ms_per_request", 0.0)
                cpu_b = b.get("server_cpu_ms_per_request", 0.0)
                cpu = f"; CPU/request {cpu_b:.2f} vs {cpu_a:.2f} ms" if cpu_a else ""
                rows.append(
                    _row(
                        f"{name} p50 at {large:,} vs {small:,} products",
                        "≤ 2×",
                        f"{factor:.1f}× ({b['p50_ms']:.1f} vs {a['p50_ms']:.1f} ms{cpu})",
                        factor <= 2 if name in ("browse", "search", "search_rare") else None,
                    )
                )
    hop = _find(lines, "hop")
    if hop:
        rows.append(
            _row(
                "one service hop (gateway → catalog), p50 overhead",
                "≤ 2 ms",
                f"{hop['hop_overhead_p50_ms']:.2f} ms ({hop['gateway_p50_ms']:.2f} vs "
                f"{hop['direct_p50_ms']:.2f} ms direct)",
                # Negative: the direct path is slower than the proxied one, so no hop cost
                # can be read from this run (see bench/README.md, Findings).
                hop["hop_overhead_p50_ms"] <= 2 if hop["hop_overhead_p50_ms"] >= 0 else None,
            )
        )
    rss = _find(lines, "rss")
    if rss:
        rows.append(
            _row(
                f"`ecart up` VmRSS after {rss['after']}",
                "≤ 400 MB",
                f"{rss['vmrss_mb']:.0f} MB",
                rss["vmrss_mb"] <= 400,
            )
        )
    startup = _find(lines, "startup")
    if startup:
        rows.append(
            _row(
                "`ecart up` start to every service ready",
                "≤ 5 s",
                f"{startup['ready_s']:.2f} s",
                startup["ready_s"] <= 5,
            )
        )
    return "\n".join(rows) + "\n"
