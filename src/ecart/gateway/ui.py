"""The web UI at `/`: the built web app (`web_dir`) with a single-page-app fallback to its
`index.html`, or, when there is none, a page listing the services and their API docs."""

from __future__ import annotations

import asyncio
from html import escape
from pathlib import Path, PurePosixPath

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from ecart.gateway.config import GatewaySettings
from ecart.gateway.headers import inline_hashes, page_csp
from ecart.gateway.proxy import PROXIED_SERVICES, get_proxy

IMMUTABLE = "public, max-age=31536000, immutable"  # Vite's content-hashed assets/
REVALIDATE = "no-cache"

ABOUT = {
    "catalog": "products, categories, search",
    "cart": "carts",
    "order": "orders and checkout",
    "payment": "payments and refunds (simulated provider)",
    "users": "accounts, tokens, JWKS",
    "inventory": "stock levels and reservations",
    "notifications": "e-mails sent on order events (admin)",
}
EXAMPLE = {
    "catalog": "products?limit=5",
    "cart": "health",
    "order": "health",
    "payment": "health",
    "users": ".well-known/jwks.json",
    "inventory": "health",
    "notifications": "health",
}

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
main{max-width:56rem;margin:2rem auto;padding:0 1rem}
h1{margin-bottom:.25rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid #d8dee4}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}
pre{background:#fff;border:1px solid #d8dee4;padding:.75rem;overflow:auto}
.up{color:#1a7f37}.down{color:#cf222e}
"""
BUILTIN_CSP = page_csp(style_src=inline_hashes(f"<style>{_STYLE}</style>", "style"))


def ui_router(settings: GatewaySettings) -> APIRouter:
    """A catch-all GET route: include it after every other router."""
    router = APIRouter(include_in_schema=False)
    web_root = settings.web_dir.resolve() if settings.web_dir is not None else None

    @router.api_route("/{path:path}", methods=["GET", "HEAD"], response_model=None)
    async def ui(path: str, request: Request) -> Response:
        if web_root is not None:
            return _static(web_root, path)
        if path in ("", "index.html"):
            return await _builtin_page(request, settings)
        return _not_found()

    return router


def _static(web_root: Path, path: str) -> Response:
    file = _file_under(web_root, path)
    if file is not None:
        cache = IMMUTABLE if path.startswith("assets/") else REVALIDATE
        return FileResponse(file, headers={"Cache-Control": cache})
    last = PurePosixPath(path).name
    if path == "api" or path.startswith("api/") or "." in last:
        # An API path or a missing file (`/assets/app-1234.js`): not the app's HTML.
        return _not_found()
    index = web_root / "index.html"
    if not index.is_file():
        return _not_found()
    return FileResponse(index, headers={"Cache-Control": REVALIDATE})


def _file_under(web_root: Path, path: str) -> Path | None:
    """The file `path` names inside `web_root`, never outside it (`..`, symlinks)."""
    try:
        candidate = (web_root / (path or "index.html")).resolve()
    except (OSError, ValueError):
        return None
    if candidate.is_relative_to(web_root) and candidate.is_file():
        return candidate
    return None


def _not_found() -> JSONResponse:
    return JSONResponse({"detail": "Not Found"}, status_code=404)


async def _builtin_page(request: Request, settings: GatewaySettings) -> HTMLResponse:
    proxy = get_proxy(request)
    statuses = await asyncio.gather(*(proxy.health(name) for name in PROXIED_SERVICES))
    base = settings.url_of("gateway")
    rows = []
    for name, status in zip(PROXIED_SERVICES, statuses, strict=True):
        direct = settings.url_of(name)
        state = (
            '<span class="up">up</span>'
            if status == "ok"
            else f'<span class="down">{escape(status)}</span>'
        )
        example = f"/api/{name}/{EXAMPLE[name]}"
        rows.append(
            f"<tr><td><strong>{escape(name)}</strong><br><small>{escape(ABOUT[name])}</small></td>"
            f"<td>{state}</td>"
            f'<td><a href="{escape(example)}"><code>{escape(example)}</code></a></td>'
            f'<td><a href="/api/{escape(name)}/docs">/api/{escape(name)}/docs</a><br>'
            f'<small>direct: <a href="{escape(direct)}/docs">{escape(direct)}/docs</a></small>'
            "</td></tr>"
        )
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ecart</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>ecart</h1>
<p>The web storefront is not built here, so this gateway lists the services instead. Each
one answers through the gateway at <code>/api/&lt;service&gt;/…</code> and documents its
API with Swagger UI at <code>/api/&lt;service&gt;/docs</code> (or <code>/docs</code> on its
own port).</p>
<table>
<thead><tr><th>service</th><th>status</th><th>through the gateway</th><th>API docs</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>
<h2>Try it</h2>
<pre>curl -s '{escape(base)}/api/catalog/products?limit=5'
curl -s {escape(base)}/api/users/auth/register -H 'content-type: application/json' \\
  -d '{{"email":"me@example.com","password":"a-long-enough-passphrase","name":"Me"}}'
curl -s {escape(base)}/api/users/auth/token \\
  -d username=me@example.com -d password=a-long-enough-passphrase</pre>
<p>Gateway: <a href="/ready">readiness</a> · <a href="/docs">API docs</a></p>
</main>
</body>
</html>
"""
    return HTMLResponse(
        html, headers={"Content-Security-Policy": BUILTIN_CSP, "Cache-Control": "no-store"}
    )
