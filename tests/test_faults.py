"""Faults: a PostgreSQL backend killed mid-request fails that request cleanly and the next one
succeeds; malformed and hostile requests get client errors, never a crash."""

import asyncio

import pytest
from sqlalchemy import text

from resolvers import org as org_resolvers
from server.app import warm
from server.db import make_engine
from server.settings import Settings
from tests.conftest import PG_SCHEMA, Api, api_over, postgres_url

SLEEP = "SELECT pg_sleep(5) /* dangjian fault test */"


async def test_killed_backend(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    if api.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL fault")
    list_orgs = org_resolvers.list_orgs

    async def slow(ctx, *args, **kwargs):
        await ctx.session.execute(text(SLEEP))
        return await list_orgs(ctx, *args, **kwargs)

    monkeypatch.setattr(org_resolvers, "list_orgs", slow)
    admin = make_engine(postgres_url())

    async def kill() -> int:
        for _ in range(50):
            await asyncio.sleep(0.1)
            async with admin.connect() as conn:
                killed = (
                    await conn.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE query = :q AND pid <> pg_backend_pid()"
                        ),
                        {"q": SLEEP},
                    )
                ).all()
            if killed:
                return len(killed)
        return 0

    body, killed = await asyncio.gather(
        api.post("{ organizations { totalCount } }", user="cq_admin"), kill()
    )
    await admin.dispose()
    assert killed == 1
    assert body["data"] is None or body["data"].get("organizations") is None
    assert body["errors"][0] == {**body["errors"][0], "message": "internal error"}
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "pg_" not in str(body) and "Traceback" not in str(body)
    monkeypatch.undo()
    again = await api.data("{ organizations { totalCount } }", user="cq_admin")
    assert again["organizations"]["totalCount"] > 0


async def test_killed_idle_connection_is_replaced(api: Api, settings: Settings) -> None:
    """The pool has no pre-ping round trip: a pooled connection whose backend was killed
    while idle is replaced at checkout (asyncpg saw the socket close), and the next request
    succeeds on a fresh one."""
    if api.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL fault")
    engine = make_engine(
        postgres_url(),
        pool_size=1,
        connect_args={"server_settings": {"search_path": f"{PG_SCHEMA}_demo"}},
    )
    admin = make_engine(postgres_url())
    query = "{ organizations { totalCount } }"
    try:
        async with api_over(engine, settings) as one:
            first = await one.data(query, user="cq_admin")
            async with engine.connect() as conn:  # the pool's one connection
                pid = await conn.scalar(text("SELECT pg_backend_pid()"))
            async with admin.connect() as conn:
                assert await conn.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            await asyncio.sleep(0.3)  # the server's goodbye reaches the idle socket
            assert await one.data(query, user="cq_admin") == first
            async with engine.connect() as conn:
                assert await conn.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        await admin.dispose()
        await engine.dispose()


async def test_pool_is_opened_at_start_and_never_overflows(api: Api) -> None:
    if api.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL pool")
    engine = make_engine(postgres_url(), pool_size=3)
    try:
        await warm(engine, 3)
        assert engine.pool.checkedin() == 3  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 0  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def test_batched_requests_are_refused(api: Api) -> None:
    response = await api.client.post("/graphql", json=[{"query": "{ __typename }"}] * 10)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "the body must be a JSON object"


async def test_circular_fragments_are_refused(api: Api) -> None:
    body = await api.post(
        """{ viewer { ...A } } fragment A on Viewer { ...B }
        fragment B on Viewer { ...A }""",
        user="cq_admin",
    )
    assert "Cannot spread fragment" in body["errors"][0]["message"]


METACHARACTERS = [
    "'",
    '"',
    "%",
    "_",
    "\\",
    "' OR '1'='1",
    "'; DROP TABLE member; --",
    "\u0000",
    "条件' UNION SELECT id_card_number FROM member --",
]


async def post(api: Api, query: str, variables: dict | None = None):
    return await api.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {api.token('cq_admin')}"},
    )


STRING_ARGUMENTS = [
    ("query($v: String) { members(filter: {name: $v}) { totalCount } }", "members"),
    ("query($v: String) { organizations(search: $v) { totalCount } }", "organizations"),
    ("query($v: String) { auditLog(operation: $v) { totalCount } }", "auditLog"),
]


@pytest.mark.parametrize("value", METACHARACTERS)
async def test_sql_metacharacters_in_string_arguments(api: Api, value: str) -> None:
    """Every string argument is a bound value: no error, no extra rows; NUL is refused before
    it reaches a database (SQLite's LIKE stops at it, PostgreSQL rejects it)."""
    for query, field in STRING_ARGUMENTS:
        response = await post(api, query, {"v": value})
        body = response.json()
        if "\x00" in value:
            assert response.status_code == 400
            assert body["errors"][0]["message"] == "NUL characters are not allowed"
        else:
            assert body["data"][field]["totalCount"] == 0, (value, field)
    period = await post(
        api,
        """query($v: String) { organizations(first: 1) { edges { node {
        checkInSummary(period: $v) { verifiedHours } } } } }""",
        {"v": value},
    )
    assert period.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("literal", ['"a\\u0000"', '"\\u{0}"'])
async def test_nul_in_a_literal_is_refused(api: Api, literal: str) -> None:
    response = await post(api, f"{{ members(filter: {{name: {literal}}}) {{ totalCount }} }}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "NUL characters are not allowed"


@pytest.mark.parametrize("literal", ['"a\\\\u0000"', '"""\\u0000"""'])
async def test_a_backslash_before_u0000_is_just_text(api: Api, literal: str) -> None:
    """An escaped backslash, or a block string (no escapes), followed by `u0000` is no NUL."""
    response = await post(api, f"{{ members(filter: {{name: {literal}}}) {{ totalCount }} }}")
    assert response.status_code == 200
    assert response.json()["data"]["members"]["totalCount"] == 0
