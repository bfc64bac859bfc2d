"""Renders a few Grafana panels of deploy/observability/dashboards into docs/images/ for the
README, from real data: boots `ecart up` on free loopback ports, starts Debian's
`prometheus` (the `prometheus` package, as scripts/deploy-tools.sh installs it) scraping it
every 2 s with the rules of deploy/observability/prometheus, drives checkouts (some
declined), then asks Prometheus for each panel's own PromQL and plots it with matplotlib.

    .venv/bin/python scripts/render_panels.py [--seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DASHBOARDS = ROOT / "deploy" / "observability" / "dashboards"
RULES = ROOT / "deploy" / "observability" / "prometheus"
IMAGES = ROOT / "docs" / "images"
SERVICES = ("users", "catalog", "inventory", "cart", "order", "payment", "notifications", "gateway")
ADMIN = ("admin@example.com", "a-long-admin-passphrase")
PASSWORD = "a-long-enough-passphrase"  # noqa: S105 (throwaway demo shoppers)
SCRAPE = 2  # seconds
# (dashboard, panel title, image name)
PANELS = (
    ("ecart-overview.json", "Request rate", "dashboard-request-rate.png"),
    ("ecart-overview.json", "Latency p50 / p95 / p99", "dashboard-latency.png"),
    ("ecart-checkout.json", "Cart adds, orders created, orders paid", "dashboard-checkout.png"),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


@contextmanager
def running(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def boot_ecart(work: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    urls = {name: f"http://127.0.0.1:{free_port()}" for name in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECART_")}
    env.update(
        ECART_DATA_DIR=str(work / "data"),
        ECART_SEED_DEMO_DATA="true",
        ECART_ADMIN_EMAIL=ADMIN[0],
        ECART_ADMIN_PASSWORD=ADMIN[1],
        ECART_LOG_LEVEL="WARNING",
        ECART_ORDER_CHECKOUT_RATE_LIMIT="100000/minute",
        ECART_ORDER_PAYMENT_RATE_LIMIT="100000/minute",
        ECART_USERS_REGISTER_RATE_LIMIT="100000/minute",
    )
    for name, url in urls.items():
        env[f"ECART_{name.upper()}_URL"] = url
        env[f"ECART_{name.upper()}_PORT"] = url.rsplit(":", 1)[1]
    process = spawn([sys.executable, "-m", "ecart", "up"], env, work / "ecart.log")
    return process, urls


def boot_prometheus(work: Path, urls: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("prometheus")
    if not binary:
        raise SystemExit("prometheus is not installed: run scripts/deploy-tools.sh")
    (work / "rules").symlink_to(RULES)
    targets = [
        {"targets": [url.removeprefix("http://")], "labels": {"service": name}}
        for name, url in urls.items()
    ]
    config = {
        "global": {"scrape_interval": f"{SCRAPE}s", "evaluation_interval": f"{SCRAPE}s"},
        "rule_files": ["rules/*.rules.yaml"],
        "scrape_configs": [{"job_name": "ecart", "honor_labels": True, "static_configs": targets}],
    }
    (work / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
    address = f"127.0.0.1:{free_port()}"
    args = [
        binary,
        f"--config.file={work / 'prometheus.yml'}",
        f"--storage.tsdb.path={work / 'tsdb'}",
        f"--web.listen-address={address}",
    ]
    return spawn(args, dict(os.environ), work / "prometheus.log"), f"http://{address}"


async def wait_for(urls: list[str], what: str) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(600):
            try:
                codes = [(await http.get(u)).status_code for u in urls]
                if all(code == 200 for code in codes):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"{what} did not start in 60 s")


async def shopper(http: httpx.AsyncClient, urls: dict[str, str], n: int, until: float) -> None:
    """Registers, then browses and checks out until `until`; one payment in six is declined."""
    email = f"shopper{n}@example.com"
    body = {"email": email, "password": PASSWORD, "name": f"Shopper {n}"}
    user = (await http.post(f"{urls['users']}/auth/register", json=body)).json()
    form = {"username": email, "password": PASSWORD}
    token = (await http.post(f"{urls['users']}/auth/token", data=form)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    products = (await http.get(f"{urls['catalog']}/products?limit=50")).json()
    rng = random.Random(n)  # noqa: S311 (load shape, not security)
    while time.monotonic() < until:
        await http.get(f"{urls['catalog']}/products?q=a")
        line = {"product_id": rng.choice(products)["id"], "quantity": 1}
        await http.post(f"{urls['cart']}/cart/{user['id']}/items", json=line, headers=headers)
        order = await http.post(
            f"{urls['order']}/orders", json={"user_id": user["id"]}, headers=headers
        )
        if order.status_code == 201:
            method = "pm_card_declined" if rng.random() < 1 / 6 else "pm_card_success"
            await http.post(
                f"{urls['order']}/orders/{order.json()['id']}/payment",
                json={"payment_method": method},
                headers=headers,
            )
        await asyncio.sleep(rng.uniform(0.2, 1.0))


async def drive(urls: dict[str, str], seconds: float, shoppers: int) -> None:
    until = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(*(shopper(http, urls, n, until) for n in range(shoppers)))


def panel(dashboard: str, title: str) -> dict[str, Any]:
    board = json.loads((DASHBOARDS / dashboard).read_text())
    found: dict[str, Any] = next(p for p in board["panels"] if p["title"] == title)
    return found


def promql(expr: str) -> str:
    window = f"{SCRAPE * 10}s"
    return expr.replace("$__rate_interval", window).replace("$service", ".*")


def query_range(prometheus: str, expr: str, start: float, end: float) -> list[dict[str, Any]]:
    params: dict[str, str | float] = {
        "query": promql(expr),
        "start": start,
        "end": end,
        "step": SCRAPE,
    }
    response = httpx.get(f"{prometheus}/api/v1/query_range", params=params, timeout=30)
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()["data"]["result"]
    return result


def legend(template: str, labels: dict[str, str]) -> str:
    for key, value in labels.items():
        template = template.replace(f"{{{{{key}}}}}", value)
    return template


def plot(prometheus: str, spec: tuple[str, str, str], start: float, end: float) -> Path:
    import matplotlib  # only this script needs it (not a project dependency)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dashboard, title, image = spec
    chosen = panel(dashboard, title)
    figure, axes = plt.subplots(figsize=(8, 3.2), dpi=110)
    for target in chosen["targets"]:
        for series in query_range(prometheus, target["expr"], start, end):
            points = [(float(t) - start, float(v)) for t, v in series["values"]]
            label = legend(target["legendFormat"], series["metric"])
            axes.plot([p[0] for p in points], [p[1] for p in points], label=label, linewidth=1.4)
    unit = chosen["fieldConfig"]["defaults"].get("unit", "")
    axes.set_title(f"{title}  ({dashboard.removesuffix('.json')})", fontsize=10, loc="left")
    axes.set_xlabel("seconds")
    axes.set_ylabel({"reqps": "requests/s", "s": "seconds", "opm": "per minute"}.get(unit, unit))
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, ncol=4, loc="upper left", frameon=False)
    figure.tight_layout()
    IMAGES.mkdir(parents=True, exist_ok=True)
    path = IMAGES / image
    figure.savefig(path)
    plt.close(figure)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--shoppers", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        work = Path(tmp)
        ecart, urls = boot_ecart(work)
        stack.enter_context(running(ecart))
        asyncio.run(wait_for([f"{u}/health" for u in urls.values()], "ecart up"))
        prometheus_process, prometheus = boot_prometheus(work, urls)
        stack.enter_context(running(prometheus_process))
        asyncio.run(wait_for([f"{prometheus}/-/ready"], "prometheus"))
        start = time.time()
        asyncio.run(drive(urls, args.seconds, args.shoppers))
        time.sleep(SCRAPE * 3)  # the last scrapes
        end = time.time()
        for spec in PANELS:
            print(plot(prometheus, spec, start, end))


if __name__ == "__main__":
    main()
