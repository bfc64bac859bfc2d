"""The instances of one service (`ECART_<SERVICE>_URL`, comma-separated): requests go to them
in turn, skipping those whose `/ready` fails, and a request that cannot have reached its
instance is sent once more to another. With one URL nothing of this happens: every request
goes to it, once. The gateway and the service-to-service clients both use it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Sequence

import httpx
import structlog

log = structlog.get_logger("ecart.instances")
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# The request never left this process: safe to send elsewhere whatever its method.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
# The connection broke after (part of) the request went out: the service may have acted on
# it, so only an idempotent request with a body that can be sent again is retried.
BROKEN_OFF = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
CHECK_TIMEOUT_SECONDS = 2.0

Build = Callable[[str], httpx.Request]


class Instances:
    """Round-robin over the instances of `service` whose `/ready` answered 200 at the last
    check (every `check_seconds`, in the background, only when there are several) and that
    have not failed a connection since."""

    def __init__(
        self,
        service: str,
        urls: Sequence[str],
        http: httpx.AsyncClient,
        *,
        check_seconds: float = 0.5,
    ) -> None:
        if not urls:
            raise ValueError(f"no URL for the {service} service")
        self.service = service
        self.urls = tuple(url.rstrip("/") for url in urls)
        self.http = http
        self.check_seconds = check_seconds
        self.ready = set(self.urls)  # until a check says otherwise
        self._turn = itertools.count()
        self._checks: asyncio.Task[None] | None = None

    @property
    def several(self) -> bool:
        return len(self.urls) > 1

    def choose(self, *, besides: str | None = None) -> str:
        """The next ready instance (other than `besides`). When none is ready, the next of
        all of them: a request that may fail beats a refusal that surely does."""
        others = [url for url in self.urls if url != besides] or list(self.urls)
        candidates = [url for url in others if url in self.ready] or others
        return candidates[next(self._turn) % len(candidates)]

    async def send(self, build: Build, *, stream: bool = False) -> httpx.Response:
        """Sends `build(<instance URL>)`; on a failure that allows it (see `retryable`),
        once more to another instance."""
        self.start()
        url = self.choose()
        request = build(url)
        try:
            return await self.http.send(request, stream=stream)
        except httpx.TransportError as exc:
            if not self.several:
                raise
            if isinstance(exc, (*NOT_SENT, *BROKEN_OFF)) and url in self.ready:
                # Gone or going: out of the rotation until a check finds it ready again.
                log.warning("instance_out", service=self.service, url=url, error=repr(exc))
                self.ready.discard(url)
            if not retryable(request, exc):
                raise
            retry = self.choose(besides=url)
            log.info(
                "instance_retry", service=self.service, failed=url, retry=retry, error=repr(exc)
            )
            return await self.http.send(build(retry), stream=stream)

    def start(self) -> None:
        """Starts the background checks (only with several instances; idempotent)."""
        if self.several and self._checks is None:
            self._checks = asyncio.get_running_loop().create_task(
                self._check_forever(), name=f"instances-{self.service}"
            )

    async def close(self) -> None:
        if self._checks is not None:
            self._checks.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checks
            self._checks = None

    async def check(self) -> None:
        """One round: every instance's `/ready`, in parallel."""
        answers = await asyncio.gather(*(self._is_ready(url) for url in self.urls))
        for url, ready in zip(self.urls, answers, strict=True):
            if ready and url not in self.ready:
                log.info("instance_back", service=self.service, url=url)
                self.ready.add(url)
            elif not ready and url in self.ready:
                log.warning("instance_out", service=self.service, url=url)
                self.ready.discard(url)

    async def _check_forever(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self.check_seconds)

    async def _is_ready(self, url: str) -> bool:
        try:
            answer = await self.http.get(
                f"{url}/ready",
                headers={"X-Request-ID": f"instance-check-{self.service}"},
                timeout=CHECK_TIMEOUT_SECONDS,
            )
            await answer.aclose()
        except httpx.HTTPError:
            return False
        return answer.status_code == 200


def retryable(request: httpx.Request, exc: httpx.TransportError) -> bool:
    """Whether `request`, failed with `exc`, may be sent again to another instance."""
    if isinstance(exc, NOT_SENT):
        return True
    replayable = isinstance(request.stream, httpx.ByteStream)  # no body, or one in memory
    return isinstance(exc, BROKEN_OFF) and request.method in IDEMPOTENT_METHODS and replayable
