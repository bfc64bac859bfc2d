"""Flash-sale benchmark: one hot SKU, many concurrent buyers, over real HTTP.

Boots `ecart up` (SQLite, embedded bus) on free loopback ports, then measures
1. reservations/s on one SKU straight at the inventory service (the conditional UPDATE path),
2. whole checkouts/s (cart → POST /orders: cart read, reservation, order insert, cart clear),
and checks that nothing was oversold. Prints the figures; asserts nothing about speed.

    .venv/bin/python bench/flash_sale.py [--reservations 2000] [--checkouts 300] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

SERVICES = ("users", "catalog", "inventory", "cart", "order", "payment", "notifications", "gateway")
ADMIN = ("bench-admin@example.com", "bench-admin-passphrase-2026")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _boot(data_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    urls = {name: f"http://127.0.0.1:{_free_port()}" for name in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECART_")}
    env.update(
        ECART_DATA_DIR=str(data_dir),
        ECART_SEED_DEMO_DATA="false",
        ECART_ADMIN_EMAIL=ADMIN[0],
        ECART_ADMIN_PASSWORD=ADMIN[1],
        ECART_LOG_LEVEL="WARNING",
        ECART_ORDER_CHECKOUT_RATE_LIMIT="100000/minute",
        ECART_USERS_REGISTER_RATE_LIMIT="100000/minute",
    )
    for name, url in urls.items():
        env[f"ECART_{name.upper()}_URL"] = url
        env[f"ECART_{name.upper()}_PORT"] = url.rsplit(":", 1)[1]
    log = (data_dir / "ecart.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "ecart", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    return process, urls


async def _wait_ready(urls: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(300):
            try:
                codes = [(await http.get(f"{u}/health")).status_code for u in urls.values()]
                if all(code == 200 for code in codes):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the platform did not start in 30 s")


def _summary(label: str, latencies: list[float], elapsed: float, ok: int) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if ordered else 0.0
    return (
        f"{label:<14} {ok:>6} ok of {len(latencies):>6} in {elapsed:6.2f} s  "
        f"= {ok / elapsed:8.1f}/s   p50 {statistics.median(ordered) * 1000:7.1f} ms   "
        f"p95 {p95 * 1000:7.1f} ms"
    )


async def _fire(count: int, concurrency: int, call) -> tuple[list[float], list[int], float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    statuses: list[int] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            started = time.perf_counter()
            statuses.append(await call(n))
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - started


async def run(args: argparse.Namespace, urls: dict[str, str], data_dir: Path) -> None:
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        admin = (
            await http.post(
                f"{urls['users']}/auth/token", data={"username": ADMIN[0], "password": ADMIN[1]}
            )
        ).json()["access_token"]
        admin_h = {"Authorization": f"Bearer {admin}"}
        secret = json.loads((data_dir / "secrets" / "service-clients.json").read_text())["order"]
        service = (
            await http.post(
                f"{urls['users']}/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "order",
                    "client_secret": secret,
                },
            )
        ).json()["access_token"]
        service_h = {"Authorization": f"Bearer {service}"}

        # 1. Reservations on one hot SKU.
        stock = args.reservations // 2  # half of them must be refused: contention at zero too
        hot = (
            await http.post(
                f"{urls['catalog']}/products",
                json={"name": "Hot SKU", "price": 9.99, "stock": stock},
                headers=admin_h,
            )
        ).json()

        async def reserve(_: int) -> int:
            body = {
                "reservation_id": str(uuid.uuid4()),
                "lines": [{"product_id": hot["id"], "quantity": 1}],
            }
            response = await http.post(
                f"{urls['inventory']}/reservations", json=body, headers=service_h
            )
            return response.status_code

        lat, statuses, elapsed = await _fire(args.reservations, args.concurrency, reserve)
        level = (await http.get(f"{urls['inventory']}/stock/{hot['id']}")).json()
        ok, refused = statuses.count(201), statuses.count(409)
        print(_summary("reservations", lat, elapsed, ok))
        print(
            f"{'':<14} stock {stock}: {ok} reserved, {refused} refused (409), "
            f"other {len(statuses) - ok - refused}; "
            f"available {level['available']}, reserved {level['reserved']} "
            f"→ oversold {max(0, ok - stock)}"
        )

        # 2. Whole checkouts (cart → order) by registered customers.
        product = (
            await http.post(
                f"{urls['catalog']}/products",
                json={"name": "Checkout SKU", "price": 4.5, "stock": args.checkouts},
                headers=admin_h,
            )
        ).json()
        buyers = []
        for n in range(args.concurrency):
            email = f"buyer{n}@example.com"
            body = {"email": email, "password": "a-long-enough-passphrase", "name": "B"}
            user = (await http.post(f"{urls['users']}/auth/register", json=body)).json()
            token = (
                await http.post(
                    f"{urls['users']}/auth/token",
                    data={"username": email, "password": "a-long-enough-passphrase"},
                )
            ).json()["access_token"]
            buyers.append((user["id"], {"Authorization": f"Bearer {token}"}))

        async def checkout(n: int) -> int:
            user_id, headers = buyers[n % len(buyers)]
            line = {"product_id": product["id"], "quantity": 1}
            await http.post(f"{urls['cart']}/cart/{user_id}/items", json=line, headers=headers)
            response = await http.post(
                f"{urls['order']}/orders", json={"user_id": user_id}, headers=headers
            )
            return response.status_code

        lat, statuses, elapsed = await _fire(args.checkouts, args.concurrency, checkout)
        print(_summary("checkouts", lat, elapsed, statuses.count(201)))
        left = (await http.get(f"{urls['inventory']}/stock/{product['id']}")).json()
        print(
            f"{'':<14} statuses {dict(sorted({s: statuses.count(s) for s in statuses}.items()))}; "
            f"available left {left['available']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reservations", type=int, default=2000)
    parser.add_argument("--checkouts", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        process, urls = _boot(data_dir)
        try:
            asyncio.run(_wait_ready(urls))
            print(
                f"ecart flash-sale benchmark: {os.cpu_count()} cores, "
                f"concurrency {args.concurrency}, SQLite, one process "
                "(load generator in a second process)"
            )
            asyncio.run(run(args, urls, data_dir))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(30)


if __name__ == "__main__":
    main()
