"""What-if run (not the platform as shipped): `ecart up` with its listening sockets created
as IPPROTO_TCP sockets, so asyncio sets TCP_NODELAY on every accepted connection.

`ecart.local._bind` makes `socket.socket(family, SOCK_STREAM)` (proto 0), and asyncio's
`_set_nodelay` only sets TCP_NODELAY when `sock.proto == IPPROTO_TCP`; uvicorn writes a
response's headers and body in separate sends, so on a kept-alive connection the body
waits for the client's delayed ACK (~40 ms on Linux). This wrapper shows what the one-line
fix in `_bind` would give; `python -m bench --what-if nodelay` uses it.

    python -m bench.whatif_nodelay up
"""

from __future__ import annotations

import socket

import ecart.local
from ecart.cli import app


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ecart.local.PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    sock.setblocking(False)
    return sock


if __name__ == "__main__":
    ecart.local._bind = _bind
    app()
