"""Finished responses of public read routes, kept in process and replayed without the app.

A warm catalog read costs the framework (routing, dependency resolution, validation of the
answer) and the serialisation far more than the data; replaying the bytes skips all of it.
`ResponseCacheMiddleware` sits inside the request-id/access-log/metrics middleware (so a
replayed answer is logged, counted under its route template and gets its request id) and
outside the routes: a GET on a route the service names, answered 200, is stored under its
exact path and query string; the same request is then answered from memory.

Only answers that are the same for every caller may be cached: the service lists routes
whose authorization rule is public (a token, valid or not, changes nothing there).

**Freshness.** Every entry carries the *tag* current when its request began, and is served
only while the tag is unchanged. The tag is this process's own generation (bumped by
`invalidate()`, which the service calls after a change commits, including changes it learns
from events) plus, with Redis, the shared version of the row cache's namespace, which every
replica bumps on its changes. The shared version is read at most every `check_seconds`, so
another replica's change shows here within that time (plus the event's delivery); with no
Redis there is no other writer to hear from (the embedded default is one process). When
Redis is configured but failing, nothing is cached or served from here: the same "uncached,
never wrong" rule as the row cache.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecart.platform.cache import Cache


@dataclass(frozen=True, slots=True)
class _Entry:
    tag: tuple[str, int]
    start: Message
    body: bytes
    route: Any


class ResponseCache:
    def __init__(
        self,
        *,
        max_entries: int = 4096,
        max_body_bytes: int = 512 * 1024,
        check_seconds: float = 0.1,
        namespace: str = "",
    ) -> None:
        self.max_entries = max_entries
        self.max_body_bytes = max_body_bytes
        self.check_seconds = check_seconds
        self.namespace = namespace
        """The row cache's namespace whose shared version also invalidates entries here."""
        self.shared: Cache | None = None
        """The service's Redis cache, attached when the service starts (None: no Redis)."""
        self.hits = 0
        self.misses = 0
        self._generation = 0
        self._shared_version: str | None = ""
        self._checked = float("-inf")
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def invalidate(self) -> None:
        """Forget every entry. Call after a change to what the cached routes show commits."""
        self._generation += 1
        self._entries.clear()

    async def tag(self) -> tuple[str, int] | None:
        """The tag of answers built from now on, or None when nothing may be cached."""
        shared = self.shared
        if shared is None or not shared.enabled:
            return ("", self._generation)
        now = time.monotonic()
        if now - self._checked >= self.check_seconds:
            self._checked = now
            self._shared_version = await shared.version(self.namespace)
        if self._shared_version is None:  # Redis is failing: bypass, as the row cache does
            return None
        return (self._shared_version, self._generation)

    def get(self, key: bytes, tag: tuple[str, int]) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.tag != tag:
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: bytes, entry: _Entry) -> None:
        if entry.tag[1] != self._generation:  # invalidated while this answer was built
            return
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class ResponseCacheMiddleware:
    def __init__(self, app: ASGIApp, cache: ResponseCache, routes: Collection[str]) -> None:
        """`routes`: path templates (e.g. `/products/{product_id}`) whose GET answers are the
        same for every caller."""
        self.app = app
        self.cache = cache
        self.routes = frozenset(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.cache.enabled:
            await self.app(scope, receive, send)
            return
        tag = await self.cache.tag()
        if tag is None:
            await self.app(scope, receive, send)
            return
        key = scope["path"].encode() + b"?" + scope["query_string"]
        entry = self.cache.get(key, tag)
        if entry is not None:
            self.cache.hits += 1
            scope["route"] = entry.route  # metrics count it under its route template
            await send(entry.start)
            await send({"type": "http.response.body", "body": entry.body})
            return
        self.cache.misses += 1
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and start is not None:
                size += len(message.get("body", b""))
                if size <= self.cache.max_body_bytes:
                    chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        route = scope.get("route")
        if (
            start is not None
            and start["status"] == 200
            and size <= self.cache.max_body_bytes
            and getattr(route, "path", None) in self.routes
        ):
            stored = {"type": "http.response.start", "status": 200, "headers": [*start["headers"]]}
            self.cache.put(key, _Entry(tag, stored, b"".join(chunks), route))
