"""Per-caller rate limits (server/ratelimit.py): one account past its limit gets `429` with
`Retry-After`; the others go on; the count is the shared store's, not one process's."""

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from server.app import create_app
from tests.conftest import NOW, Api
from tests.process import run, serving

LIMIT = 5
QUERY = {"query": "{ viewer { username } }"}


@pytest.fixture
async def limited(api: Api, request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """An app with a small limit (LIMIT, or the test's `limit` mark) on the suite's database
    (its counters start empty)."""
    async with api.engine.begin() as conn:
        await conn.exec_driver_sql("DELETE FROM rate_window")
    mark = request.node.get_closest_marker("limit")
    settings = dataclasses.replace(api.settings, rate_limit=mark.args[0] if mark else LIMIT)
    app = create_app(settings, engine=api.engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 5000)),
        base_url="http://limited.test",
    ) as client:
        yield client


def bearer(api: Api, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(user)}"}


async def test_past_the_limit_429_with_retry_after(api: Api, limited: httpx.AsyncClient) -> None:
    for _ in range(LIMIT):
        ok = await limited.post("/graphql", json=QUERY, headers=bearer(api, "huxi_secretary"))
        assert ok.status_code == 200 and "errors" not in ok.json()
    refused = await limited.post("/graphql", json=QUERY, headers=bearer(api, "huxi_secretary"))
    assert refused.status_code == 429
    # the clock is pinned at 10:00:00: the next minute begins in 60 s
    assert NOW.second == 0 and refused.headers["Retry-After"] == "60"
    error = refused.json()["errors"][0]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 60}
    assert "5 requests a minute" in error["message"]
    assert refused.headers["X-Request-ID"]
    # another account is not starved by the first
    other = await limited.post("/graphql", json=QUERY, headers=bearer(api, "jiangjin_admin"))
    assert other.status_code == 200
    # saved queries and CSV count too; probes do not
    saved = await limited.get("/queries/community_checkins", headers=bearer(api, "huxi_secretary"))
    assert saved.status_code == 429
    assert (await limited.get("/healthz")).status_code == 200


async def test_without_a_valid_token_the_address_is_counted(
    api: Api, limited: httpx.AsyncClient
) -> None:
    """Forged or absent tokens share their address's budget: minting garbage tokens does not
    buy new ones."""
    for n in range(LIMIT):
        forged = {"Authorization": f"Bearer not-a-token-{n}"}
        assert (await limited.post("/graphql", json=QUERY, headers=forged)).status_code == 200
    assert (await limited.post("/graphql", json=QUERY)).status_code == 429
    signed = await limited.post("/graphql", json=QUERY, headers=bearer(api, "cq_admin"))
    assert signed.status_code == 200


async def test_a_429_is_readable_cross_origin(api: Api, limited: httpx.AsyncClient) -> None:
    origin = {"Origin": "http://localhost:5173"}
    for _ in range(LIMIT + 1):
        last = await limited.post(
            "/graphql", json=QUERY, headers={**origin, **bearer(api, "street_admin")}
        )
    assert last.status_code == 429
    assert last.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "retry-after" in last.headers["access-control-expose-headers"].lower()
    preflight = await limited.options(
        "/graphql",
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200  # preflights are not counted, nor refused


async def taken(api: Api, caller: str) -> int:
    async with api.engine.connect() as conn:
        hits = await conn.scalar(
            text("SELECT sum(hits) FROM rate_window WHERE caller = :c"), {"c": caller}
        )
    return int(hits or 0)


@pytest.mark.limit(300)  # leases of 3
async def test_a_process_takes_the_budget_a_lease_at_a_time(
    api: Api, limited: httpx.AsyncClient
) -> None:
    """One counter write per lease (a hundredth of the limit), not per request; a refused
    caller costs the store nothing more until the minute ends."""
    for _ in range(7):
        ok = await limited.post("/graphql", json=QUERY, headers=bearer(api, "banan_admin"))
        assert ok.status_code == 200
    assert await taken(api, "acct:banan_admin") == 9  # three leases for seven requests
    async with api.engine.begin() as conn:  # as if other processes had spent the rest
        await conn.execute(
            text("UPDATE rate_window SET hits = 300 WHERE caller = 'acct:banan_admin'")
        )
    for _ in range(2):  # the lease in hand is spent first
        ok = await limited.post("/graphql", json=QUERY, headers=bearer(api, "banan_admin"))
        assert ok.status_code == 200
    for _ in range(3):
        refused = await limited.post("/graphql", json=QUERY, headers=bearer(api, "banan_admin"))
        assert refused.status_code == 429
    assert await taken(api, "acct:banan_admin") == 303  # one more ask, then none


def spend(env: dict[str, str], user: str, servers: tuple[str, str]) -> list[int]:
    """Statuses of LIMIT + 1 requests of one account, alternating between two servers."""
    token = run(env, "token", user).stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    return [
        httpx.post(f"{servers[n % 2]}/graphql", json=QUERY, headers=auth).status_code
        for n in range(LIMIT + 1)
    ]


def test_the_count_is_shared_by_every_process(shared_database: dict[str, str]) -> None:
    """Two processes on one database (or one Redis): the limit holds for their sum. A minute
    that ends during a run spoils only that run; the second uses another account."""
    env = {**shared_database, "DANGJIAN_RATE_LIMIT": str(LIMIT)}
    with serving(env) as one, serving(env) as other:
        runs = [spend(env, user, (one, other)) for user in ("jiangjin_admin", "banan_admin")]
    assert [200] * LIMIT + [429] in runs, runs
