"""The sockets `ecart up` listens on: connections accepted on them have Nagle's algorithm off
(TCP_NODELAY). With it on, every reused keep-alive connection waited ~40 ms for a delayed ACK
between uvicorn's header and body writes (found by bench/, see bench/README.md)."""

from __future__ import annotations

import asyncio
import socket

from ecart.local import _bind


async def test_accepted_connections_have_nodelay() -> None:
    listening = _bind("127.0.0.1", 0)
    port = listening.getsockname()[1]
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted: socket.socket = writer.get_extra_info("socket")
        seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accept, sock=listening)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            nodelay = await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
        assert nodelay != 0
    finally:
        server.close()
        await server.wait_closed()
