"""A small asyncio TCP fault proxy: listens on 127.0.0.1:<free port>, forwards to a target,
and misbehaves on demand. The mode can be switched at any time:

- `pass`: forward both ways.
- `latency(seconds)`: a new connection waits `seconds` before it is connected upstream,
  and every chunk, both ways, waits `seconds` before it is forwarded.
- `drop`: new connections are accepted and closed at once (FIN); existing ones are closed.
- `reset`: existing and new connections are reset (RST: SO_LINGER 0, then close).
- `blackhole`: new connections are accepted and read, nothing is forwarded or answered;
  bytes on existing connections are swallowed the same way.

`connections` counts the connections accepted since the proxy started.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass

MODES = ("pass", "latency", "drop", "reset", "blackhole")
CHUNK = 65536


@dataclass(frozen=True)
class Mode:
    name: str = "pass"
    seconds: float = 0.0

    def __str__(self) -> str:
        return f"latency({self.seconds:g})" if self.name == "latency" else self.name


def _rst(writer: asyncio.StreamWriter) -> None:
    """Closes the connection with a RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    writer.transport.abort()
    writer.close()  # marks the writer closed (no "unclosed" warning); the socket is gone


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = Mode()
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._live: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter | None]] = set()
        self._clients: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for _client, upstream in list(self._live):
            if upstream is not None:
                _abort(upstream)
        for client in list(self._clients):
            _abort(client)  # every handler then sees its connection end and returns
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=5)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def set(self, name: str, seconds: float = 0.0) -> None:
        """Switches the mode; `drop` and `reset` also end the connections already open."""
        if name not in MODES:
            raise ValueError(f"unknown mode {name!r}: one of {', '.join(MODES)}")
        self.mode = Mode(name, seconds)
        if name in ("drop", "reset"):
            for client, upstream in list(self._live):
                for writer in (client, upstream):
                    if writer is None:
                        continue
                    if name == "reset":
                        _rst(writer)
                    else:
                        writer.close()  # FIN
            self._live.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._clients.add(writer)
        try:
            await self._serve(reader, writer)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._handlers.discard(task)
            self._clients.discard(writer)
            _abort(writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        mode = self.mode
        if mode.name == "drop":
            writer.close()
            return
        if mode.name == "reset":
            _rst(writer)
            return
        if mode.name == "blackhole":
            await self._swallow(reader)
            return
        if mode.name == "latency":
            await asyncio.sleep(mode.seconds)
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        pair = (writer, up_writer)
        self._live.add(pair)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._live.discard(pair)
            _abort(up_writer)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await self._forward(reader, writer)

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                with contextlib.suppress(OSError):
                    writer.write_eof()
                return
            mode = self.mode
            if mode.name == "blackhole":
                await self._swallow(reader)
                return
            if mode.name == "latency":
                await asyncio.sleep(mode.seconds)
            if mode.name in ("drop", "reset") or writer.is_closing():
                return
            writer.write(data)
            await writer.drain()

    @staticmethod
    async def _swallow(reader: asyncio.StreamReader) -> None:
        """Reads and discards until the peer closes (never answers)."""
        while await reader.read(CHUNK):
            pass
