"""The app factory every service uses: lifespan (database, migrations, outbox relay, HTTP
client, token verification), `/health`, `/ready`, JSON errors, request ids, body limit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import MetaData, Table

from ecart.platform import migrations
from ecart.platform.auth import JwksKeySource, KeySource, TokenVerifier
from ecart.platform.authz import Policy, apply_policy, document_policy, enforcer
from ecart.platform.bus import Handler, Message
from ecart.platform.cache import Cache
from ecart.platform.db import Database, pool_usage
from ecart.platform.http.client import CircuitBreaker, ServiceClient, ServiceTokens
from ecart.platform.http.errors import install_error_handlers
from ecart.platform.http.instances import Instances
from ecart.platform.http.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from ecart.platform.http.openapi import document_errors
from ecart.platform.http.response_cache import ResponseCache, ResponseCacheMiddleware
from ecart.platform.logs import configure_logging
from ecart.platform.metrics import Metrics
from ecart.platform.outbox import OutboxRelay
from ecart.platform.ratelimit import RateLimits
from ecart.platform.runtime import Runtime
from ecart.platform.settings import PlatformSettings, ServiceSettings
from ecart.platform.tasks import subscribed
from ecart.platform.tracing import Tracing

log = structlog.get_logger("ecart.app")


class ServiceContext:
    """Everything a service's routes and use cases need, built once per app."""

    def __init__(
        self,
        settings: ServiceSettings,
        runtime: Runtime,
        outbox: Table,
        key_source: KeySource | None,
        metrics: Metrics | None = None,
        tracing: Tracing | None = None,
        responses: ResponseCache | None = None,
    ) -> None:
        self.settings = settings
        self.runtime = runtime
        self.bus = runtime.bus
        self.metrics = metrics or Metrics(settings.service_name)
        self.tracing = tracing or Tracing(settings.service_name, settings, runtime.span_exporter)
        self._groups: set[str] = set()
        self.db = Database(
            settings.database_url,
            read_url=settings.database_read_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        self.relay = OutboxRelay(
            self.db,
            runtime.bus,
            outbox,
            poll_seconds=settings.outbox_poll_seconds,
            metrics=self.metrics,
            tracing=self.tracing,
        )
        self.unit_of_work = self.relay.unit_of_work
        self.http = httpx.AsyncClient(
            transport=runtime.client_transport(),
            timeout=settings.http_timeout_seconds,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )
        self._instances: dict[str, Instances] = {}
        self.tokens = ServiceTokens(
            self.http,
            self.instances("users"),
            settings.service_name,
            settings.resolved_client_secret(),
        )
        keys = key_source or JwksKeySource(
            self.http,
            f"{settings.url_of('users')}/.well-known/jwks.json",
            max_age_seconds=settings.jwks_cache_seconds,
        )
        self.verifier = TokenVerifier(
            keys, audience=settings.token_audience, issuer=settings.token_issuer
        )
        self.rate_limits = RateLimits(
            settings.rate_limit_storage,
            key_prefix=settings.namespaced("ecart-limits", ":"),
            on_limited=lambda name: self.metrics.counter("ecart_rate_limited_total", name).inc(),
        )
        self.cache = Cache(
            settings.redis_url,
            ttl_seconds=settings.cache_ttl_seconds,
            prefix=settings.namespaced("ecart", ":"),
        )
        self.responses = responses or ResponseCache(max_entries=0)
        """Answers of the service's cacheable routes; `invalidate()` it after a change."""
        self.responses.shared = self.cache
        self._clients: dict[str, ServiceClient] = {}
        self.state: dict[str, Any] = {}
        self._watch()
        self._instrument()

    def _instrument(self) -> None:
        """Spans for outgoing HTTP, SQL and Redis (when tracing is on)."""
        self.tracing.instrument_http(self.http)
        self.tracing.instrument_engine(self.db.engine)
        if self.db.read_engine is not self.db.engine:
            self.tracing.instrument_engine(self.db.read_engine)
        self.tracing.instrument_redis(self.cache.client)

    def _watch(self) -> None:
        """Gauges read from live objects at every scrape."""
        self.metrics.watch_pool("primary", lambda: pool_usage(self.db.engine))
        if self.db.read_engine is not self.db.engine:
            self.metrics.watch_pool("replica", lambda: pool_usage(self.db.read_engine))
        self.metrics.watch_breakers(
            lambda: [(name, c.breaker.state) for name, c in self._clients.items()]
        )
        self.metrics.watch_lag(
            lambda: [
                (topic, group, behind)
                for group in sorted(self._groups)
                for topic, behind in self.bus.lag(group).items()
            ]
        )
        if self.cache.enabled:
            self.metrics.watch_cache(
                lambda: (self.cache.hits, self.cache.misses, self.cache.failures)
            )

    def subscription(
        self, topic: str, group: str, handler: Handler
    ) -> AbstractAsyncContextManager[None]:
        """Consumes `topic` as `group` while the block runs, counting dead letters and lag."""
        self._groups.add(group)
        consumed = self.metrics.counter

        def dead_lettered(message: Message) -> None:
            consumed("ecart_events_consumed_total", message.topic, group, "dead_lettered").inc()

        return subscribed(self.bus, topic, group, handler, dead_lettered)

    def instances(self, target: str) -> Instances:
        """The instances of `target` (its URLs), shared by every call to it."""
        if target not in self._instances:
            self._instances[target] = Instances(
                target,
                self.settings.urls_of(target),
                self.http,
                check_seconds=self.settings.instance_check_seconds,
            )
        return self._instances[target]

    def client(self, target: str) -> ServiceClient:
        if target not in self._clients:
            s = self.settings
            self._clients[target] = ServiceClient(
                target,
                self.instances(target),
                self.http,
                tokens=self.tokens,
                breaker=CircuitBreaker(
                    target,
                    threshold=s.breaker_failure_threshold,
                    reset_seconds=s.breaker_reset_seconds,
                ),
                attempts=s.http_retries,
                timeout=s.http_timeout_seconds,
            )
        return self._clients[target]

    async def close(self) -> None:
        await self.relay.stop()
        for instances in self._instances.values():
            await instances.close()
        await self.http.aclose()
        await self.db.dispose()
        await self.cache.close()
        await self.rate_limits.close()
        self.tracing.shutdown()


Hook = Callable[[ServiceContext], AbstractAsyncContextManager[None]]


def create_service_app(
    *,
    settings: ServiceSettings,
    runtime: Runtime,
    metadata: MetaData,
    migrations_dir: Path,
    routers: Sequence[APIRouter],
    policy: Policy,
    description: str,
    hook: Hook | None = None,
    key_source: Callable[[ServiceContext], KeySource] | None = None,
    cached_routes: Collection[str] = (),
    cache_namespace: str = "",
) -> FastAPI:
    """`cached_routes`: public GET routes (path templates) whose answers are the same for
    every caller, replayed from memory until the service invalidates `ctx.responses` (see
    `response_cache`); `cache_namespace`: the row cache namespace whose shared version
    invalidates them too."""
    name = settings.service_name
    outbox = metadata.tables["outbox"]
    responses = ResponseCache(
        max_entries=settings.response_cache_entries if cached_routes else 0,
        check_seconds=settings.response_cache_check_seconds,
        namespace=cache_namespace,
    )
    for path in cached_routes:
        rule = policy.get(("GET", path))
        if rule is None or not rule.public:
            raise ValueError(f"only public GET routes may be cached, not {path}")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_format)
        ctx = ServiceContext(
            settings, runtime, outbox, None, app.state.metrics, app.state.tracing, responses
        )
        if key_source is not None:
            ctx.verifier.keys = key_source(ctx)
        app.state.ctx = ctx
        try:
            if settings.migrate_on_start:
                await migrations.upgrade(ctx.db, migrations_dir)
            ctx.relay.start()
            if hook is None:
                log.info("service_started", service=name, port=settings.port)
                yield
            else:
                async with hook(ctx):
                    log.info("service_started", service=name, port=settings.port)
                    yield
        finally:
            await ctx.close()

    app = base_app(
        name=name,
        settings=settings,
        lifespan=lifespan,
        description=description,
        runtime=runtime,
        responses=(responses, cached_routes),
    )
    app.include_router(_ready_probe(name))
    apply_policy(routers, policy)
    for router in routers:
        app.include_router(router, dependencies=[Depends(enforcer(policy))])
    document_policy(app, policy)
    document_errors(app)
    return app


def base_app(
    *,
    name: str,
    settings: PlatformSettings,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    description: str,
    runtime: Runtime,
    responses: tuple[ResponseCache, Collection[str]] | None = None,
) -> FastAPI:
    """A FastAPI app with what every ecart process serves: JSON errors, request ids and
    access logs, the body size limit, and `/health`. Services add `/ready` and routes."""
    app = FastAPI(
        title=f"ecart {name}",
        description=description,
        version="0.1.0",
        lifespan=lifespan,
    )
    metrics = Metrics(name)
    app.state.metrics = metrics
    app.state.draining = False  # set by `drain()` on SIGTERM: `/ready` answers 503
    tracing = Tracing(name, settings, runtime.span_exporter)
    app.state.tracing = tracing
    install_error_handlers(app, metrics)
    if responses is not None and responses[0].enabled:  # innermost: replays skip the app only
        app.add_middleware(ResponseCacheMiddleware, cache=responses[0], routes=responses[1])
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, service=name, metrics=metrics)
    app.include_router(_health_probe(name))
    app.include_router(_metrics_endpoint(metrics))
    tracing.instrument_app(app)  # outermost: the server span covers the whole request
    return app


def get_ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServiceContext, Depends(get_ctx)]


def _metrics_endpoint(metrics: Metrics) -> APIRouter:
    """`GET /metrics` in the Prometheus text format; not in the API document, and not
    reachable through the gateway: Prometheus scrapes each service's own port."""
    router = APIRouter(include_in_schema=False)

    @router.get("/metrics")
    async def scrape() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def _health_probe(name: str) -> APIRouter:
    router = APIRouter(tags=["probes"])

    @router.get("/health", summary="Liveness")
    async def health() -> dict[str, str]:
        return {"status": "healthy", "service": name}

    return router


def drain(app: FastAPI) -> None:
    """The process is stopping: `/ready` answers 503 from now on, so that load balancers
    (the gateway, Kubernetes) stop sending requests here, while requests are still served
    and `/health` still answers 200 (a draining process is not a dead one)."""
    app.state.draining = True


def draining(request: Request, name: str) -> JSONResponse | None:
    """The `/ready` answer of a draining process, or None when it is not draining."""
    if not request.app.state.draining:
        return None
    return JSONResponse({"status": "draining", "service": name}, status_code=503)


def _ready_probe(name: str) -> APIRouter:
    router = APIRouter(tags=["probes"])

    # The summary is in the committed API documents (web/src/api/specs): kept as it was.
    @router.get("/ready", summary="Readiness: the database answers", response_model=None)
    async def ready(ctx: Ctx, request: Request) -> dict[str, Any] | JSONResponse:
        if (stopping := draining(request, name)) is not None:
            return stopping
        try:
            await ctx.db.ping()
        except Exception as exc:
            log.warning("not_ready", error=repr(exc))
            body = {"status": "unavailable", "service": name, "checks": {"database": "failed"}}
            return JSONResponse(body, status_code=503)
        return {"status": "ready", "service": name, "checks": {"database": "ok"}}

    return router
