"""ecart's benchmark harness (issue 9). `make bench` runs the default suite.

    python -m bench                           # default suite, embedded default (~5 min)
    python -m bench --quick                   # every part for a second or two (smoke)
    python -m bench --backend production      # on PostgreSQL + Kafka + Redis (make services)
    python -m bench --parts browse,checkout   # a subset: startup browse search checkout
                                              #   add_to_cart flash_sale hop mixed scale
    python -m bench --scale 1k,100k,1m        # catalog sizes of the scale run
    python -m bench --run checkout --mode open --rate 40 --duration 20   # one run

Every run prints one JSON line (and appends it to <out>/results.jsonl); the browse sweep
is plotted to <out>/browse-latency.png; <out>/summary.md holds the targets table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import report, scenarios
from bench.load import Client, Op, run
from bench.plot import latency_curve
from bench.scenarios import World
from bench.seed import seed_postgres, seed_sqlite
from bench.shop import ROOT, Shop, can_pin, ceiling_server, pin_load_generator, running_shop

PARTS = ("startup", "browse", "search", "add_to_cart", "checkout", "flash_sale", "hop", "mixed")
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
SWEEP = (0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.2)


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.pin = can_pin() and not args.no_pin
        self.out: Path = args.out
        self.out.mkdir(parents=True, exist_ok=True)
        self.lines: list[dict[str, Any]] = []
        self.started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def emit(self, line: dict[str, Any]) -> dict[str, Any]:
        self.lines.append(line)
        text = json.dumps(line)
        print(text, flush=True)
        with (self.out / "results.jsonl").open("a") as handle:
            handle.write(text + "\n")
        return line

    @property
    def duration(self) -> float:
        return float(self.args.duration)

    async def seed(self, shop: Shop, count: int) -> float:
        if shop.database_urls:  # production: PostgreSQL
            return await seed_postgres(
                shop.database_url("catalog"), shop.database_url("inventory"), count
            )
        return await asyncio.to_thread(
            seed_sqlite,
            shop.database_url("catalog").removeprefix("sqlite:///"),
            shop.database_url("inventory").removeprefix("sqlite:///"),
            count,
        )

    async def main(self) -> None:
        pin_load_generator(self.pin)
        async with Client() as client:
            print(
                f"# ecart bench {self.started}: backend {self.args.backend}, "
                f"{len(__import__('os').sched_getaffinity(0))} cpu(s) for the load generator, "
                f"pinned {self.pin} (servers on cpu 0, load on cpu 1), client {client.engine}",
                flush=True,
            )
            if self.args.run:
                await self.single(client)
                return
            parts = [p for p in PARTS if p in self.args.parts]
            if parts:
                with tempfile.TemporaryDirectory(prefix="ecart-bench-") as tmp:
                    async with running_shop(
                        Path(tmp),
                        backend=self.args.backend,
                        pin=self.pin,
                        what_if=self.args.what_if,
                    ) as shop:
                        await self.suite(World(shop, client, 1_000), parts)
            if "scale" in self.args.parts:
                for label in self.args.scale.split(","):
                    await self.scale(client, label.strip().lower())
        summary = report.summary(self.lines, backend=self.args.backend, pinned=self.pin)
        (self.out / "summary.md").write_text(summary)
        print(summary)

    async def single(self, client: Client) -> None:
        with tempfile.TemporaryDirectory(prefix="ecart-bench-") as tmp:
            async with running_shop(
                Path(tmp),
                backend=self.args.backend,
                pin=self.pin,
                what_if=self.args.what_if,
                profile=self.args.profile,
            ) as shop:
                world = World(shop, client, 1_000)
                await self.seed(shop, 1_000)
                await world.prepare_checkout()
                if self.args.run == "flash_sale":
                    await self.flash_sale(world)
                    return
                load = self.args.rate if self.args.mode == "open" else self.args.concurrency
                await self.measure(world, self.args.run, self.args.mode, load, self.duration)

    async def measure(
        self, world: World, name: str, mode: str, load: float, duration: float, **extra: Any
    ) -> dict[str, Any]:
        op = scenarios.SCENARIOS[name](world)
        result = await run(
            world.client,
            op,
            scenario=name,
            backend=world.shop.backend,
            mode=mode,
            load=load,
            duration=duration,
            server_pid=world.shop.process.pid,
        )
        result.extra.update(extra)
        return self.emit(result.summary())

    async def suite(self, world: World, parts: list[str]) -> None:
        shop, c, d = world.shop, self.args.concurrency, self.duration
        self.emit(
            {
                "scenario": "startup",
                "backend": shop.backend,
                "ready_s": round(shop.ready_seconds, 3),
            }
        )
        seeded = await self.seed(shop, world.catalog_size)
        await world.prepare_checkout()
        print(f"# seeded {world.catalog_size} products in {seeded:.2f} s", flush=True)
        if "browse" in parts:
            await self.browse(world)
        if "search" in parts:
            await self.measure(world, "search", "closed", c, d)
            await self.measure(world, "filter", "closed", c, d)
        if "add_to_cart" in parts:
            await self.measure(world, "add_to_cart", "closed", c, d)
        if "checkout" in parts:
            best = await self.measure(
                world, "checkout", "closed", self.args.checkout_concurrency, d
            )
            half = max(1.0, round(best["ops_per_s"] / 2, 1))
            await self.measure(world, "checkout", "open", half, d, share_of_max=0.5)
        if "flash_sale" in parts:
            await self.flash_sale(world)
        if "hop" in parts:
            self.emit(await scenarios.hop(world, requests=self.args.hop_requests))
        if "mixed" in parts:
            await self.measure(world, "mixed", "closed", c, self.args.mixed_seconds)
            self.emit(
                {
                    "scenario": "rss",
                    "backend": shop.backend,
                    "after": f"mixed {self.args.mixed_seconds:g} s",
                    "pid": shop.process.pid,
                    "vmrss_mb": round(shop.rss_mb(), 1),
                }
            )

    async def browse(self, world: World) -> None:
        """Browse closed (max rps), the ceiling closed, then both swept in open mode at the
        same offered rates (shares of ecart's max), plotted together."""
        c, d = self.args.concurrency, self.duration
        await self.warm_up(world.client, scenarios.browse(world), c, min(2.0, d))
        best = await self.measure(world, "browse", "closed", c, d)
        _, listing = await world.client.request("GET", world.url("catalog", "/products?limit=20"))
        _, product = await world.client.request("GET", world.url("catalog", "/products/1"))
        payload = self.out / "ceiling-payload.json"
        payload.write_text(json.dumps({"list": listing, "product": product}))
        rates = [max(1.0, round(best["rps"] * share, 1)) for share in SWEEP]
        sweeps: dict[str, list[dict[str, Any]]] = {"ecart browse": [], "bare Starlette": []}
        # A client of its own: the ceiling's connections are closed before ecart's sweep.
        async with ceiling_server(payload, pin=self.pin) as (url, pid), Client() as client:
            ceiling_world = World(_retarget(world.shop, url), client, world.catalog_size)
            op = scenarios.browse(ceiling_world)
            await self.warm_up(client, op, c, min(2.0, d))
            result = await run(
                client,
                op,
                scenario="ceiling",
                backend="starlette",
                mode="closed",
                load=c,
                duration=d,
                server_pid=pid,
            )
            ceiling = self.emit(result.summary())
            for share, rate in zip(SWEEP, rates, strict=True):
                result = await run(
                    client,
                    op,
                    scenario="ceiling",
                    backend="starlette",
                    mode="open",
                    load=rate,
                    duration=d / 2,
                    server_pid=pid,
                )
                result.extra["share_of_max"] = share
                sweeps["bare Starlette"].append(self.emit(result.summary()))
        per_request = best.get("server_cpu_ms_per_request") or 0.0
        self.emit(
            {
                "scenario": "browse_vs_ceiling",
                "backend": world.shop.backend,
                "browse_rps": best["rps"],
                "ceiling_rps": ceiling["rps"],
                "ratio": round(best["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None,
                "ceiling_client_cpu": ceiling["client_cpu"],
                "browse_cpu_ms_per_request": per_request,
                "ceiling_cpu_ms_per_request": ceiling.get("server_cpu_ms_per_request"),
                "cpu_ratio": round(ceiling.get("server_cpu_ms_per_request", 0.0) / per_request, 3)
                if per_request
                else None,
            }
        )
        await self.warm_up(world.client, scenarios.browse(world), c, min(2.0, d))
        for share, rate in zip(SWEEP, rates, strict=True):
            sweeps["ecart browse"].append(
                await self.measure(world, "browse", "open", rate, d / 2, share_of_max=share)
            )
        path = latency_curve(
            sweeps,
            self.out / "browse-latency.png",
            title=f"browse, open mode ({world.shop.backend}, {'' if self.pin else 'un'}pinned)",
        )
        print(f"# plot: {path}", flush=True)

    async def warm_up(self, client: Client, op: Op, concurrency: int, seconds: float) -> None:
        await run(
            client,
            op,
            scenario="warm-up",
            backend="",
            mode="closed",
            load=concurrency,
            duration=seconds,
        )

    async def flash_sale(self, world: World) -> None:
        reservations, orders = await scenarios.flash_sale(
            world,
            buyers=self.args.flash_buyers,
            stock=self.args.flash_stock,
            concurrency=self.args.flash_concurrency,
        )
        self.emit(reservations.summary())
        self.emit(orders.summary())

    async def scale(self, client: Client, label: str) -> None:
        size = SIZES.get(label) or int(label)
        d = self.duration / 2
        with tempfile.TemporaryDirectory(prefix="ecart-bench-") as tmp:
            async with running_shop(
                Path(tmp),
                backend=self.args.backend,
                pin=self.pin,
                what_if=self.args.what_if,
                profile=self.args.profile,
                # The queries' cost at each size, not the in-memory replay of the catalog's
                # answers (which would serve every repeated query in the same time at any size).
                settings={"ECART_RESPONSE_CACHE_ENTRIES": "0"},
            ) as shop:
                seconds = await self.seed(shop, size)
                print(f"# scale: seeded {size} products in {seconds:.1f} s", flush=True)
                world = World(shop, client, size)
                _, last = await client.request(
                    "GET", world.url("catalog", f"/products?skip={size - 1}&limit=5")
                )
                if not last or len(last) != 1 or last[0]["id"] != size:
                    raise SystemExit(f"seeding {size} products did not give products 1..{size}")
                for name in ("browse", "browse_deep", "search", "search_rare", "filter"):
                    op = scenarios.SCENARIOS[name](world)
                    await self.warm_up(client, op, 1, min(1.0, d))
                    await self.measure(
                        world, name, "closed", 1, d, catalog_size=size, seed_s=round(seconds, 1)
                    )


def _retarget(shop: Shop, url: str) -> Shop:
    """A view of `shop` whose catalog is the ceiling server."""
    import dataclasses

    return dataclasses.replace(shop, urls={**shop.urls, "catalog": url})


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--backend", choices=("embedded", "production"), default="embedded")
    parser.add_argument("--quick", action="store_true", help="a smoke run: ~1 s per run")
    parser.add_argument("--parts", default=",".join((*PARTS, "scale")))
    parser.add_argument("--scale", default="1k,100k", help="catalog sizes: 1k,10k,100k,1m")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--checkout-concurrency", type=int, default=16)
    parser.add_argument("--mixed-seconds", type=float, default=60.0)
    parser.add_argument("--flash-buyers", type=int, default=1000)
    parser.add_argument("--flash-stock", type=int, default=500)
    parser.add_argument("--flash-concurrency", type=int, default=50)
    parser.add_argument("--hop-requests", type=int, default=300)
    parser.add_argument("--run", choices=(*scenarios.SCENARIOS, "flash_sale"), help="one run")
    parser.add_argument("--mode", choices=("closed", "open"), default="closed")
    parser.add_argument("--rate", type=float, default=100.0, help="open mode: operations/s")
    parser.add_argument(
        "--what-if",
        choices=("", "nodelay"),
        default="",
        help="run a patched ecart up instead (see bench/whatif_nodelay.py)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="with --run: profile `ecart up` with pyinstrument into this .pyisession file "
        "(python -m bench.hotspots FILE names the hot spots)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    parser.add_argument("--out", type=Path, default=None, help="results directory")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.mixed_seconds, args.scale = 1.0, 2.0, "1k"
        args.flash_buyers, args.flash_stock, args.hop_requests = 100, 50, 100
        args.concurrency, args.checkout_concurrency, args.flash_concurrency = 8, 4, 10
    if args.out is None:
        args.out = ROOT / "bench" / "results" / time.strftime("%Y%m%d-%H%M%S")
    return args


def main() -> None:
    asyncio.run(Harness(parse(sys.argv[1:])).main())


if __name__ == "__main__":
    main()
