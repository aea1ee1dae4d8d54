"""The benchmark peer's row-level security (bench/peer.py), on real PostgreSQL: the caller's
subtree from `dangjian.scope_path`, and none when it is unset or '' — which is what a pooled
connection reads after a transaction that had set it, so treating '' as a scope would open
every row to the next caller."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.peer import ROLE, SCOPE, SETTING, policy_statements, subtree
from server.db import upgrade
from tests.conftest import PG_SCHEMA, fresh_postgres

SCHEMA = f"{PG_SCHEMA}_peer"
# a city, two districts, a street under the first district; paths as the directory has them
ORGS = [(1, "/1/"), (2, "/1/2/"), (3, "/1/3/"), (4, "/1/2/4/"), (20, "/1/20/")]


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    engine = await fresh_postgres(SCHEMA)
    await upgrade(engine)
    async with engine.begin() as conn:
        for pk, path in ORGS:
            await conn.execute(
                text(
                    "INSERT INTO organization (id, code, name, level, org_type, path, depth) "
                    "VALUES (:i, :c, :n, 'DISTRICT', 'ORGAN', :p, :d)"
                ),
                {"i": pk, "c": f"c{pk}", "n": f"org {pk}", "p": path, "d": path.count("/") - 2},
            )
        for statement in policy_statements(SCHEMA):
            await conn.execute(text(statement))
    yield engine
    await engine.dispose()


async def visible(conn: AsyncConnection, scope: str | None) -> list[int]:
    """Organization ids the peer's role sees in one transaction with `scope` set locally."""
    async with conn.begin():
        await conn.execute(text(f"SET LOCAL ROLE {ROLE}"))
        if scope is not None:
            await conn.execute(text("SELECT set_config(:k, :v, true)"), {"k": SETTING, "v": scope})
        return list((await conn.scalars(text("SELECT id FROM organization ORDER BY id"))).all())


async def test_the_scope_is_the_subtree(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await visible(conn, "/1/2/") == [2, 4]  # not /1/20/: the range ends at /1/20
        assert await visible(conn, "/1/") == [1, 2, 3, 4, 20]


async def test_unset_or_empty_scope_sees_nothing(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert await visible(conn, None) == []  # never set on this connection: NULL
        assert await visible(conn, "/1/") != []
        async with conn.begin():  # the same connection, as a pool hands it on: '' now
            assert await conn.scalar(text("SELECT current_setting(:k, true)"), {"k": SETTING}) == ""
        assert await visible(conn, None) == []
        assert await visible(conn, "") == []


async def test_without_nullif_the_pooled_connection_would_fail_open(engine: AsyncEngine) -> None:
    """The hazard the policy guards against, shown on the same data: the range read from ''
    directly (`>= ''` and `< '0'`) covers every path."""
    async with engine.connect() as conn:
        await visible(conn, "/1/2/")
        naive = subtree("path").replace(SCOPE, f"current_setting('{SETTING}', true)")
        rows = await conn.scalars(text(f"SELECT id FROM organization WHERE {naive}"))
        assert len(rows.all()) == len(ORGS)
