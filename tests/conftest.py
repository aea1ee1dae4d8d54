"""Real databases for the suite: a seeded SQLite file and a seeded PostgreSQL schema."""

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from datagen.seed import seed
from server.db import make_engine, upgrade

PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "dangjian_test"
BACKENDS = ["sqlite", "postgresql"]


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
    return make_engine(url, connect_args={"server_settings": {"search_path": schema}})


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
