"""Real databases for the suite: a seeded SQLite file and a seeded PostgreSQL schema, and the
business clock pinned: no test reads the wall clock, so the suite passes on any day."""

import asyncio
import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from authz.tokens import issue_token
from datagen.seed import seed
from domain.clock import DEFAULT_ZONE, Clock, clock, pinned
from models.base import as_stored
from server.app import create_app
from server.db import make_engine, upgrade
from server.settings import Settings, async_url

PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
# the suite's "now": the demo data are seeded as of this day (the start of it)
NOW = dt.datetime.fromisoformat("2026-11-25T10:00:00+08:00")
# per test process: suites running side by side (CI and a developer's run) keep apart
PG_SCHEMA = f"dangjian_test_{os.getpid()}"
CREATED: list[str] = []
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def business_clock() -> Iterator[Clock]:
    """The clock every test sees, set before any data are seeded."""
    with pinned(NOW, ZoneInfo(DEFAULT_ZONE)) as fixed:  # whatever DANGJIAN_TIMEZONE says
        yield fixed


def stored_year(year: int) -> dict[str, dt.datetime]:
    """A business year's bounds as stored (naive UTC), for raw SQL over moments."""
    start = clock().start_of(dt.date(year, 1, 1))
    return {"a": as_stored(start), "b": as_stored(clock().start_of(dt.date(year + 1, 1, 1)))}


def postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", PG_DEFAULT)


async def _pg_reachable(url: str) -> bool:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except (OSError, Exception):
        return False
    finally:
        await engine.dispose()


async def fresh_postgres(schema: str) -> AsyncEngine:
    """An engine whose search_path is a freshly created schema; skips or fails if no server."""
    url = postgres_url()
    if not await _pg_reachable(url):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {url} (CI requires it)")
        pytest.skip("PostgreSQL not reachable")
    admin = make_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    await admin.dispose()
    CREATED.append(schema)
    return make_engine(url, connect_args={"server_settings": {"search_path": schema}})


@pytest.fixture(scope="session", autouse=True)
async def drop_schemas() -> AsyncIterator[None]:
    """The PostgreSQL schemas this process created are dropped when its suite ends, each in
    a transaction of its own: a drop locks every object of the schema, and all of them in one
    transaction overflow the server's lock table (`max_locks_per_transaction`)."""
    yield
    if CREATED:
        admin = make_engine(postgres_url())
        for schema in CREATED:
            async with admin.begin() as conn:
                await conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await admin.dispose()


async def fresh_engine(backend: str, tmp_dir: str, name: str) -> AsyncEngine:
    """An empty, migrated database of `backend`."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_dir}/{name}.db")
    else:
        engine = await fresh_postgres(f"{PG_SCHEMA}_{name}")
    await upgrade(engine)
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
async def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    """The demo data set, seeded once per backend for the whole session (read-only tests)."""
    engine = await fresh_engine(request.param, str(tmp_path_factory.mktemp("db")), "demo")
    await seed(engine, "demo")
    yield engine
    await engine.dispose()


SECRET = "test-secret-for-the-suite-0123456789abcdef"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(database_url="", jwt_secret=SECRET, env="development", rate_limit=0)


@pytest.fixture(scope="session")
async def api(db: AsyncEngine, settings: Settings) -> AsyncIterator["Api"]:
    """The ASGI app over the seeded database, driven through real HTTP requests."""
    async with api_over(db, settings) as api:
        yield api


@contextlib.asynccontextmanager
async def api_over(engine: AsyncEngine, settings: Settings) -> AsyncIterator["Api"]:
    """The ASGI app of `settings` over `engine`, and a client of it."""
    app = create_app(settings, engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dangjian.test"
    ) as client:
        yield Api(client, settings, engine)


class Api:
    """Posts GraphQL as a demo account with a freshly signed token."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine):
        self.client = client
        self.settings = settings
        self.engine = engine

    def token(self, username: str, version: int = 1, **kwargs: Any) -> str:
        return issue_token(self.settings.jwt_secret, username, version, **kwargs)

    async def post(
        self,
        query: str,
        variables: dict | None = None,
        *,
        user: str | None = None,
        token: str | None = None,
    ) -> dict:
        headers = {}
        if user or token:
            headers["Authorization"] = f"Bearer {token or self.token(user)}"  # type: ignore[arg-type]
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict | None = None, *, user: str) -> dict:
        """The `data` of a response that must have no errors."""
        body = await self.post(query, variables, user=user)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture(scope="module", params=BACKENDS)
async def writable_api(
    request: pytest.FixtureRequest, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Api]:
    """A freshly seeded demo database of its own, for tests that write."""
    name = f"w_{request.module.__name__.rsplit('.', 1)[-1]}"
    engine = await fresh_engine(request.param, str(tmp_path_factory.mktemp("w")), name)
    await seed(engine, "demo")
    async with api_over(engine, settings) as api:
        yield api
    await engine.dispose()


@pytest.fixture(scope="session")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for `dangjian` processes: a SQLite file of their own."""
    from tests.process import CLI_SECRET

    db_file = tmp_path_factory.mktemp("cli") / "cli.db"
    return {
        **os.environ,
        "DANGJIAN_DATABASE_URL": f"sqlite:///{db_file}",
        "DANGJIAN_JWT_SECRET": CLI_SECRET,
        "DANGJIAN_ENV": "development",
    }


# a database of its own per suite run: runs at once on one machine share the server, and
# their counters (demo accounts, same minute) would add up
REDIS_URL = f"redis://127.0.0.1:6379/{os.getpid() % 15 + 1}"


@pytest.fixture(params=["sqlite", "postgresql", "postgresql+redis"])
def shared_database(
    request: pytest.FixtureRequest, cli_env: dict[str, str], tmp_path
) -> Iterator[dict[str, str]]:
    """A seeded database of its own for real server processes: a SQLite file, or a
    PostgreSQL database created here and dropped at the end (with the shared state in a
    real Redis for the third)."""
    name = f"dangjian_apq_{os.getpid()}"
    server = postgres_url().replace("+asyncpg", "").rsplit("/", 1)[0]
    extra = {}
    if request.param == "postgresql+redis":
        if not redis_answers():
            if os.environ.get("CI"):
                pytest.fail(f"Redis not reachable at {REDIS_URL} (CI requires it)")
            pytest.skip("Redis not reachable")
        extra = {"DANGJIAN_REDIS_URL": REDIS_URL}
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/shared.db"
    else:
        if not admin(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL not reachable (CI requires it)")
            pytest.skip("PostgreSQL not reachable")
        url = f"{server}/{name}"
    env = {**cli_env, "DANGJIAN_DATABASE_URL": url, **extra}
    from tests.process import run

    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "seed").returncode == 0
    yield env
    if request.param != "sqlite":
        assert admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_answers() -> bool:
    async def ping() -> bool:
        client = aioredis.from_url(REDIS_URL)
        try:
            return bool(await client.ping())
        except (OSError, RedisError):
            return False
        finally:
            await client.aclose()

    return asyncio.run(ping())


def admin(server: str, *statements: str) -> bool:
    """Run statements on the server's `postgres` database (autocommit); False if unreachable."""

    async def execute() -> bool:
        engine = make_engine(async_url(f"{server}/postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                for statement in statements:
                    await conn.execute(text(statement))
            return True
        except OSError:
            return False
        finally:
            await engine.dispose()

    return asyncio.run(execute())
