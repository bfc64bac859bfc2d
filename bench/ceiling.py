"""The ceiling: a bare Starlette app that answers browse's two requests with the same JSON
payloads the catalog gave (a product list of 20, a product page), served by uvicorn with
the settings `ecart up` uses (`src/ecart/local.py` `serve`: uvicorn's defaults, so uvloop and
httptools when installed, no access log, no server header, lifespan on). What ecart does
per request beyond this is its own overhead.

    python -m bench.ceiling --port 9999 --payload payload.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def build(payload: dict[str, Any]) -> Starlette:
    listing, product = payload["list"], payload["product"]

    async def products(request: Request) -> JSONResponse:
        return JSONResponse(listing)

    async def one_product(request: Request) -> JSONResponse:
        return JSONResponse(product)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "healthy", "service": "ceiling"})

    return Starlette(
        routes=[
            Route("/products", products),
            Route("/products/{product_id:int}", one_product),
            Route("/health", health),
        ]
    )


def config(app: Any, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
        proxy_headers=False,
        server_header=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--payload", type=Path, required=True)
    args = parser.parse_args()
    app = build(json.loads(args.payload.read_text()))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it stopped on
        asyncio.run(uvicorn.Server(config(app, args.port)).serve())


if __name__ == "__main__":
    main()
