"""The Starlette application: `/graphql`, `/queries`, `/healthz`, `/readyz`, `/metrics`, and
GraphiQL's assets in development."""

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

import strawberry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.clock import use_zone
from resolvers.context import Context
from schema import build_schema
from server import graphiql
from server.auth import Principals, authenticate
from server.db import DatabaseNotReady, Session, check_revision, make_engine
from server.graphql_http import GraphQLEndpoint, PersistedQueries
from server.limits import BodyLimit
from server.member_import import import_routes
from server.metrics import Metrics, metrics_route, worker_stopped
from server.observe import RequestLog, configure_logging
from server.ratelimit import RateLimit
from server.saved_queries import Registry
from server.saved_routes import SavedQueryRoutes
from server.settings import Settings, cors_policy, load_settings
from server.shared import shared_state
from server.trusted import TrustedDocuments


class DatabaseSession:
    """ASGI middleware: one DB session per HTTP request, closed when the response is sent."""

    def __init__(self, app: ASGIApp, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self.sessions()
        scope.setdefault("state", {})["db"] = session
        try:
            await self.app(scope, receive, send)
        finally:
            try:
                await session.close()
            except DBAPIError:
                # the connection died under the request (a cancelled query, a killed backend):
                # drop it from the pool; the response has been sent already
                await session.invalidate()


async def warm(engine: AsyncEngine, connections: int) -> None:
    """Open the PostgreSQL pool's connections before the first request, not during the first
    burst. An unreachable database is left to `/readyz` to report."""
    if engine.dialect.name != "postgresql":
        return
    with contextlib.suppress(OSError, DBAPIError):
        async with contextlib.AsyncExitStack() as held:
            await asyncio.gather(
                *(held.enter_async_context(engine.connect()) for _ in range(connections))
            )


# Young-generation collections after this many net allocations (CPython's default: 700); the
# older generations' ratios stay. A request allocates tens of thousands of objects, nearly all
# freed by reference counting: collecting every 700 of them is cost with nothing to find.
GC_YOUNG = 20_000


def settle_heap() -> None:
    """After start-up: the schema, its caches and the imported modules move to the permanent
    generation (`gc.freeze`), so that an old-generation collection no longer walks them all
    (tens of milliseconds that stalled every request in flight); collections come less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


def documents(settings: Settings) -> tuple[strawberry.Schema, Registry, TrustedDocuments]:
    """The schema, its saved queries and its trusted documents; an invalid saved query or
    manifest raises here (`dangjian serve` calls this before any worker starts)."""
    schema = build_schema(production=settings.production, compiled=settings.executor == "compiled")
    registry = Registry.load(schema)
    return schema, registry, TrustedDocuments.load(schema, registry, settings.trusted_documents)


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None) -> Starlette:
    """The application; an invalid saved query or manifest stops it here, at start-up."""
    settings = settings or load_settings()
    use_zone(settings.timezone)
    configure_logging(settings.production)
    owned = engine is None
    engine = engine or make_engine(
        settings.database_url,
        statement_timeout_ms=settings.statement_timeout_ms,
        pool_size=settings.db_pool_size,
    )
    schema, registry, trusted = documents(settings)
    # only PostgreSQL's triggers count the authorization epoch (migration 0021)
    principals = Principals() if engine.dialect.name == "postgresql" else None

    async def context(request: Request) -> Context:
        """One principal and fresh DataLoaders per call, on the request's DB session."""
        session: AsyncSession = request.state.db
        principal, error = await authenticate(
            request.headers.get("authorization"), session, settings, principals
        )
        ctx = Context(
            session=session,
            principal=principal,
            auth_error=error,
            request=request,
            hours_target=settings.hours_target,
            transfer_deadline_days=settings.transfer_deadline_days,
        )
        ctx.request_id = request.state.request_id  # set by RequestLog, echoed as X-Request-ID
        ctx.server_request_id = request.state.server_request_id
        return ctx

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        """Ready when the database answers and is at this code's migration."""
        try:
            await check_revision(engine)
        except DatabaseNotReady as e:
            return JSONResponse({"status": "not ready", "reason": str(e)}, status_code=503)
        return JSONResponse({"status": "ready"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        if owned:
            await warm(engine, settings.db_pool_size)
            settle_heap()
        yield
        worker_stopped()
        await shared.close()
        if owned:
            await engine.dispose()

    metrics = Metrics(engine)
    shared = shared_state(engine, settings.redis_url)
    persisted = PersistedQueries(
        trusted,
        shared,
        allow_list=settings.allow_list,
        counted=lambda result: metrics.persisted.labels(result).inc(),
    )
    origins, origin_pattern = cors_policy(settings)
    sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
        engine, class_=Session, expire_on_commit=False
    )
    splice = settings.sql_json and settings.executor == "compiled"
    graphql = GraphQLEndpoint(
        schema, persisted, context, graphiql=not settings.production, splice=splice
    )
    saved = SavedQueryRoutes(schema, registry, context)
    return Starlette(
        routes=[
            Route("/graphql", graphql.handle, methods=["GET", "POST"]),
            Route("/queries", saved.catalogue),
            Route("/queries/openapi.json", saved.openapi),
            Route("/queries/{name}", saved.run),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_route(metrics, settings.metrics_token, settings.production)),
            *import_routes(context),
            *([] if settings.production else graphiql.routes),
        ],
        middleware=[
            Middleware(RequestLog, metrics=metrics, every=settings.access_log),
            Middleware(
                CORSMiddleware,
                allow_origins=list(origins),
                allow_origin_regex=origin_pattern,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-ID"],
                expose_headers=[
                    "X-Request-ID",
                    "Retry-After",
                    "X-Total-Count",
                    "X-Truncated",
                    "X-Row-Limit",
                    "Content-Disposition",
                ],
                max_age=600,
            ),
            # inside CORS, so that a browser can read a 429 and its Retry-After
            Middleware(RateLimit, shared=shared, settings=settings),
            # responses over ~1 KB (pages, CSV) compressed when the client accepts gzip
            Middleware(GZipMiddleware, minimum_size=1000),
            # inside CORS, so that a browser can read the refusal
            Middleware(BodyLimit, limit=settings.max_body_bytes),
            Middleware(
                DatabaseSession,
                sessions=sessions,
            ),
        ],
        lifespan=lifespan,
    )
