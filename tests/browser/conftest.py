"""Browser tests: Playwright (Python) drives Debian's Chromium (`/usr/bin/chromium`, never a
downloaded browser) against the real `ecart up` on free loopback ports, with the built web UI
(`web/dist`, `make web`) served by its gateway.

Without Chromium or a built UI the tests are skipped with the reason, except in CI (`CI` set),
where that is a failure. Every page fails its test on any console error or uncaught exception,
except HTTP errors a test says it expects (a declined payment's 400, say), which Chromium logs
as console errors too. Screenshots land in `test-artifacts/browser/`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from bench.shop import loopback_urls
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DOCS_IMAGES = ROOT / "docs" / "images"
CHROMIUM = Path(os.environ.get("ECART_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
SERVICES = (
    "users",
    "inventory",
    "catalog",
    "cart",
    "payment",
    "order",
    "notifications",
    "gateway",
)
# "Failed to load resource: the server responded with a status of 400 (Bad Request)"
HTTP_ERROR = re.compile(r"status of (\d{3})")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium against `ecart up` (tests/browser)"
    )


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"Chromium is not installed at {CHROMIUM} (run scripts/browser.sh)"
    if not (WEB_DIST / "index.html").is_file():
        return "the web UI is not built (web/dist/index.html missing: run `make web`)"
    return None


@dataclass(frozen=True)
class Shop:
    """The running `ecart up`, plus API shortcuts for what a test does not drive by hand."""

    urls: dict[str, str]
    data_dir: Path

    @property
    def base(self) -> str:
        return self.urls["gateway"]

    def api(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=f"{self.base}/api", headers=headers, timeout=30)

    def token(self, email: str, password: str) -> str:
        with self.api() as http:
            answer = http.post("/users/auth/token", data={"username": email, "password": password})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def admin_token(self) -> str:
        return self.token(ADMIN_EMAIL, ADMIN_PASSWORD)

    def customer(self, email: str, name: str = "Test Shopper") -> tuple[str, str]:
        """Registers a customer through the API: (user_id, token)."""
        with self.api() as http:
            answer = http.post(
                "/users/auth/register", json={"email": email, "password": PASSWORD, "name": name}
            )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"]), self.token(email, PASSWORD)

    def product_id(self, name: str) -> int:
        with self.api() as http:
            found = http.get("/catalog/products", params={"q": name}).json()
        return int(next(p["id"] for p in found if p["name"] == name))

    def product(self, name: str, price: float, stock: int, category: str = "Test") -> int:
        with self.api(self.admin_token()) as http:
            body = {"name": name, "price": price, "stock": stock, "category": category}
            answer = http.post("/catalog/products", json=body)
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    def paid_order(
        self, user_id: str, token: str, product_id: int, quantity: int = 1, *, pay: bool = True
    ) -> int:
        """A customer's order of one product, paid with the test card that succeeds (or left
        unpaid)."""
        with self.api(token) as http:
            line = {"product_id": product_id, "quantity": quantity}
            assert http.post(f"/cart/cart/{user_id}/items", json=line).status_code == 200
            order = http.post("/order/orders", json={"user_id": user_id})
            assert order.status_code == 201, order.text
            order_id = int(order.json()["id"])
            if not pay:
                return order_id
            paid = http.post(
                f"/order/orders/{order_id}/payment", json={"payment_method": "pm_card_success"}
            )
        assert paid.status_code == 200, paid.text
        return order_id


def _wait_ready(shop: Shop, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"ecart up exited: {log.read_text()[-3000:]}")
            try:
                ready = client.get(f"{shop.base}/ready").status_code == 200
                products = client.get(f"{shop.base}/api/catalog/products").json()
                if ready and len(products) >= 16 and all(p["stock"] for p in products):
                    return  # the demo catalog is seeded and its stock arrived
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.2)
    raise AssertionError(f"ecart up not ready in 60 s: {log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """`ecart up` (embedded default, demo data, an admin) serving the built web UI."""
    if reason := _missing():
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    data_dir = tmp_path_factory.mktemp("browser-shop")
    urls = loopback_urls(SERVICES)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECART_")}
    env.update(
        ECART_DATA_DIR=str(data_dir),
        ECART_SEED_DEMO_DATA="true",
        ECART_ADMIN_EMAIL=ADMIN_EMAIL,
        ECART_ADMIN_PASSWORD=ADMIN_PASSWORD,
        ECART_GATEWAY_WEB_DIR=str(WEB_DIST),
        ECART_LOG_LEVEL="WARNING",
    )
    for name, url in urls.items():
        env[f"ECART_{name.upper()}_URL"] = url
        env[f"ECART_{name.upper()}_PORT"] = url.rsplit(":", 1)[1]
    log_path = data_dir / "ecart-up.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ecart", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            running = Shop(urls, data_dir)
            _wait_ready(running, process, log_path)
            yield running
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


# Per module, not per session: while Playwright's sync API is open its event loop counts as
# running in this thread, and the suite's asyncio tests that follow could not start theirs.
@pytest.fixture(scope="module")
def playwright_driver(shop: Shop) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    # Playwright gives each launch a fresh temporary profile (its own --user-data-dir).
    chromium = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@dataclass
class Console:
    """What a page logged: errors fail the test unless an expected HTTP status explains them."""

    errors: list[str] = field(default_factory=list)
    expected: list[tuple[int, str]] = field(default_factory=list)

    def expect_http_error(self, status: int, url_part: str) -> None:
        """Chromium logs a 4xx/5xx answer to fetch() as a console error: this one is intended."""
        self.expected.append((status, url_part))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        found = HTTP_ERROR.search(message.text)
        url = message.location.get("url", "") if message.location else ""
        if found and any(
            int(found.group(1)) == status and part in url for status, part in self.expected
        ):
            return
        self.errors.append(f"console error: {message.text} ({url})")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught exception: {error}")


@dataclass
class Pages:
    """Opens pages (each in a fresh browser context: its own storage, so its own session)."""

    browser: Browser
    base: str
    console: Console
    name: str
    opened: list[Page] = field(default_factory=list)

    def new(self, width: int = 1280, height: int = 900) -> Page:
        context = self.browser.new_context(
            base_url=self.base, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("console", self.console.on_console)
        page.on("pageerror", self.console.on_page_error)
        self.opened.append(page)
        return page

    def screenshot(self, page: Page, name: str, *, docs: str | None = None) -> Path:
        """Saves a screenshot under test-artifacts/browser/; with `docs` (and
        ECART_TEST_DOCS_SCREENSHOTS=1) also as docs/images/<docs>.png for the README."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{name}.png"
        page.screenshot(path=str(path), full_page=False)
        if docs and os.environ.get("ECART_TEST_DOCS_SCREENSHOTS") == "1":
            DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_IMAGES / f"{docs}.png")
        return path


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def pages(
    browser: Browser, shop: Shop, console: Console, request: pytest.FixtureRequest
) -> Iterator[Pages]:
    opened = Pages(browser, shop.base, console, request.node.name)
    yield opened
    for index, page in enumerate(opened.opened):
        try:
            opened.screenshot(page, f"end-{index}")
        finally:
            page.context.close()
    assert not console.errors, "\n".join(console.errors)
