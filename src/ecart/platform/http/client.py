"""Service-to-service HTTP: one pooled httpx client per service, per-call timeouts, retries
for idempotent calls (stamina), a circuit breaker per target, and service tokens. A target
with several URLs gets its calls round-robin (`instances`), as the gateway does."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import stamina
import structlog

from ecart.platform.http.errors import ServiceUnavailable
from ecart.platform.http.instances import IDEMPOTENT_METHODS, Instances
from ecart.platform.logs import request_id_var

log = structlog.get_logger("ecart.client")


class CircuitOpen(ServiceUnavailable):
    pass


class CircuitBreaker:
    """Opens after `threshold` consecutive failures (timeouts, connection errors, 5xx — never
    a 4xx), refuses calls for `reset_seconds`, then lets one trial call through."""

    def __init__(self, name: str, *, threshold: int = 5, reset_seconds: float = 10.0) -> None:
        self.name = name
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self.failures = 0
        self.opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        if time.monotonic() - self.opened_at >= self.reset_seconds:
            return "half-open"
        return "open"

    def before_call(self) -> None:
        state = self.state
        if state == "open" or (state == "half-open" and self._trial_in_flight):
            raise CircuitOpen(f"{self.name} service unavailable (circuit open)")
        if state == "half-open":
            self._trial_in_flight = True

    def record_success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self.failures += 1
        self._trial_in_flight = False
        if self.opened_at is not None or self.failures >= self.threshold:
            if self.opened_at is None:
                log.warning("circuit_opened", target=self.name, failures=self.failures)
            self.opened_at = time.monotonic()


class ServiceTokens:
    """Client-credentials tokens (role `service`) from the users service's `/auth/token`,
    cached until shortly before they expire."""

    def __init__(
        self, http: httpx.AsyncClient, users: Instances, client_id: str, client_secret: str
    ) -> None:
        self.http = http
        self.users = users
        self.client_id = client_id
        self.client_secret = client_secret
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        if self._token and time.monotonic() < self._expires_at:
            return self._token
        async with self._lock:
            if self._token and time.monotonic() < self._expires_at:
                return self._token
            try:
                form = {
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                }
                response = await self.users.send(
                    lambda base: self.http.build_request("POST", f"{base}/auth/token", data=form)
                )
            except httpx.HTTPError as exc:
                raise ServiceUnavailable("users service unavailable (service token)") from exc
            if response.status_code != 200:
                raise ServiceUnavailable("users service refused this service's credentials")
            body = response.json()
            self._token = str(body["access_token"])
            self._expires_at = time.monotonic() + max(float(body["expires_in"]) - 30, 5)
            return self._token

    def invalidate(self) -> None:
        self._token = None


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"status {response.status_code}")
        self.response = response


class ServiceClient:
    def __init__(
        self,
        target: str,
        base_url: str | Instances,
        http: httpx.AsyncClient,
        *,
        tokens: ServiceTokens | None,
        breaker: CircuitBreaker,
        attempts: int = 3,
        timeout: float = 5.0,
    ) -> None:
        self.target = target
        self.instances = (
            base_url if isinstance(base_url, Instances) else Instances(target, [base_url], http)
        )
        self.http = http
        self.tokens = tokens
        self.breaker = breaker
        self.attempts = attempts
        self.timeout = timeout

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool | None = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Returns any response below 500; raises ServiceUnavailable on timeouts, connection
        errors, 5xx after retries, or an open circuit."""
        method = method.upper()
        retry = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempts = self.attempts if retry else 1
        try:
            async for attempt in stamina.retry_context(
                on=(httpx.TransportError, _RetryableStatus),
                attempts=attempts,
                wait_initial=0.05,
                wait_max=1.0,
                timeout=self.timeout * attempts + 5,
            ):
                with attempt:
                    return await self._once(method, path, json, params, headers, authenticated)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise ServiceUnavailable(f"{self.target} service unavailable") from exc
        except _RetryableStatus as exc:
            raise ServiceUnavailable(f"{self.target} service unavailable") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(
        self,
        method: str,
        path: str,
        json: Any,
        params: dict[str, Any] | None,
        extra_headers: dict[str, str] | None,
        authenticated: bool,
    ) -> httpx.Response:
        self.breaker.before_call()
        headers = dict(extra_headers or {})
        request_id = request_id_var.get()
        if request_id:
            headers["X-Request-ID"] = request_id  # one id across the services a request touches
        if authenticated and self.tokens is not None:
            headers["Authorization"] = f"Bearer {await self.tokens.token()}"
        try:
            response = await self.instances.send(
                lambda base: self.http.build_request(
                    method,
                    f"{base}{path}",
                    json=json,
                    params=params,
                    headers=headers,
                    timeout=self.timeout,
                )
            )
        except httpx.TransportError:
            self.breaker.record_failure()
            raise
        if response.status_code >= 500:
            self.breaker.record_failure()
            raise _RetryableStatus(response)
        self.breaker.record_success()
        if response.status_code == 401 and authenticated and self.tokens is not None:
            self.tokens.invalidate()
        return response
