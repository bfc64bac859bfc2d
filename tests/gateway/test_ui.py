"""The web UI at `/`: the built app with a single-page-app fallback, or the built-in page
that lists the services; the gateway's own Swagger UI under a hash-based policy."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest

from tests.gateway.helpers import FakeUpstream, answer, assert_security_headers, gateway_client

INDEX = (
    '<!doctype html><html><head><script type="module" src="/assets/app-1a2b.js"></script>'
    '</head><body><div id="root"></div></body></html>'
)
SCRIPT = "console.log('ecart');"


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "app-1a2b.js").write_text(SCRIPT)
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("outside the web dir")
    return root


async def test_the_built_ui_is_served_with_a_spa_fallback(web_dir: Path) -> None:
    async with gateway_client(web_dir=web_dir) as client:
        index = await client.get("/")
        asset = await client.get("/assets/app-1a2b.js")
        icon = await client.get("/favicon.svg")
        deep_link = await client.get("/products/42?tab=reviews")
        head = await client.head("/orders")
    assert index.status_code == 200
    assert index.text == INDEX
    assert index.headers["content-type"].startswith("text/html")
    assert index.headers["cache-control"] == "no-cache"
    assert asset.text == SCRIPT
    assert "javascript" in asset.headers["content-type"]
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert deep_link.status_code == 200
    assert deep_link.text == INDEX
    assert head.status_code == 200
    assert head.content == b""
    for response in (index, asset, deep_link):
        assert_security_headers(response)
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]


async def test_missing_files_api_paths_and_escapes_are_not_the_app(web_dir: Path) -> None:
    async with gateway_client(web_dir=web_dir) as client:
        missing_asset = await client.get("/assets/app-0000.js")
        api = await client.get("/api/catalog")
        api_unknown = await client.get("/api/nope/products")
        escape = await client.get("/..%2fsecret.txt")
        dotted = await client.get("/%2e%2e/secret.txt")
        health = await client.get("/health")
        posted = await client.post("/products/42")
    assert missing_asset.status_code == 404
    assert missing_asset.json() == {"detail": "Not Found"}
    assert api.status_code == 404
    assert api.json() == {"detail": "Not Found"}
    assert api_unknown.json() == {"detail": "Unknown service: nope"}
    for response in (escape, dotted):
        assert response.status_code == 404
        assert "outside" not in response.text
    assert health.json() == {"status": "healthy", "service": "gateway"}
    assert posted.status_code == 405


async def test_without_a_built_ui_the_gateway_lists_the_services() -> None:
    async def cart_down(request: httpx.Request) -> httpx.Response:
        if request.url.port == 8002:
            return answer(503, json={"detail": "down"})
        return answer(200, json={"status": "healthy"})

    async with gateway_client(FakeUpstream(cart_down)) as client:
        page = await client.get("/")
        index = await client.get("/index.html")
        other = await client.get("/anything")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for service, port in (
        ("users", 8005),
        ("catalog", 8001),
        ("cart", 8002),
        ("order", 8003),
        ("payment", 8004),
        ("inventory", 8006),
    ):
        assert f"<strong>{service}</strong>" in html
        assert f'href="http://127.0.0.1:{port}/docs"' in html
        assert f'href="/api/{service}/docs"' in html
    assert html.count('class="up"') == 6
    assert '<span class="down">status 503</span>' in html
    assert "/api/catalog/products?limit=5" in html
    assert index.text.startswith("<!doctype html>")
    assert other.status_code == 404
    # Its inline style is allowed by its hash, nothing else inline.
    csp = page.headers["content-security-policy"]
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}'" in csp
    assert "script-src" not in csp and "'unsafe-inline'" not in csp
    assert_security_headers(page)


async def test_the_page_shows_the_configured_gateway_url_not_the_host_header() -> None:
    async with gateway_client(gateway_url="https://shop.example:8443") as client:
        page = await client.get("/", headers={"Host": "evil.example"})
    assert "curl -s 'https://shop.example:8443/api/catalog/products?limit=5'" in page.text
    assert "evil.example" not in page.text


async def test_the_gateway_serves_its_own_api_docs_under_a_strict_policy() -> None:
    async with gateway_client() as client:
        docs = await client.get("/docs")
        spec = (await client.get("/openapi.json")).json()
        redoc = await client.get("/redoc")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    csp = docs.headers["content-security-policy"]
    inline = re.search(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    assert inline is not None
    digest = base64.b64encode(hashlib.sha256(inline.group(1).encode()).digest()).decode()
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert script_src == f"script-src 'self' https://cdn.jsdelivr.net 'sha256-{digest}'"
    assert "frame-ancestors 'none'" in csp
    assert "/api/{service}/{path}" in spec["paths"]
    assert "/ready" in spec["paths"]
    assert redoc.status_code == 404
