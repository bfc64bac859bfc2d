"""What a process shares between the services it runs: the event bus and, in tests, an
in-process HTTP transport that routes each service's URL to its ASGI app."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from ecart.platform.bus import EventBus, InMemoryBus


@dataclass
class Runtime:
    bus: EventBus = field(default_factory=InMemoryBus)
    transport: httpx.AsyncBaseTransport | None = None
