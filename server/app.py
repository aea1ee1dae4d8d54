"""The Starlette application: `/graphql`, `/healthz`, `/readyz`."""

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from cross_web import HTTPException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.schema.exceptions import InvalidOperationTypeError

from resolvers.context import Context
from schema import build_schema
from server.auth import authenticate
from server.db import make_engine
from server.settings import Settings, load_settings


class DatabaseSession:
    """ASGI middleware: one DB session per HTTP request, closed when the response is sent."""

    def __init__(self, app: ASGIApp, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self.sessions() as session:
            scope.setdefault("state", {})["db"] = session
            await self.app(scope, receive, send)


class GraphQLApp(GraphQL):
    """strawberry's ASGI view with our per-request context."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(production=settings.production),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=True,
        )
        self.settings = settings

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """As strawberry's, but a mutation over GET is 405 Method Not Allowed (GraphQL over
        HTTP), not 400."""
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as e:
            if isinstance(e.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, "mutations are not allowed over GET") from e
            raise

    def encode_json(self, data: object) -> str:
        """UTF-8 JSON: Chinese text as itself, not `\\uXXXX` escapes."""
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        session: AsyncSession = request.state.db
        principal, error = await authenticate(
            request.headers.get("authorization"), session, self.settings
        )
        return Context(
            session=session,
            principal=principal,
            auth_error=error,
            request=request,
            hours_target=self.settings.hours_target,
        )


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None) -> Starlette:
    settings = settings or load_settings()
    owned = engine is None
    engine = engine or make_engine(settings.database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "database unreachable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        if owned:
            await engine.dispose()

    graphql = DatabaseSession(GraphQLApp(settings), sessions)
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
