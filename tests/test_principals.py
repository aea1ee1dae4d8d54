"""A principal read once is used again without a statement of its own, and never after a
change to what it was read from: the request's BEGIN carries the authorization epoch's check
in its own round trip (PostgreSQL; `server/auth.py`, migration 0021)."""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text

from server.db import RidingConnection, begin_checking
from tests.conftest import Api

COUNT = "{ members(first: 1) { totalCount } }"


@pytest.fixture
async def pg(api: Api) -> AsyncIterator[Api]:
    if api.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL's API processes keep principals")
    yield api


@contextmanager
def round_trips(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every message exchange with the server: simple queries (BEGIN, ROLLBACK, COMMIT) and
    the statements SQLAlchemy executes."""
    trips: list[str] = []
    simple = RidingConnection.execute

    async def execute(self: RidingConnection, query: str, *args: Any, **kw: Any) -> str:
        trips.append(f"{query} {self.rider or ''}".strip())
        return await simple(self, query, *args, **kw)

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        trips.append(sql)

    monkeypatch.setattr(RidingConnection, "execute", execute)
    event.listen(api.engine.sync_engine, "before_cursor_execute", statement)
    try:
        yield trips
    finally:
        event.remove(api.engine.sync_engine, "before_cursor_execute", statement)


async def total(api: Api, user: str) -> int:
    return (await api.data(COUNT, user=user))["members"]["totalCount"]


async def test_a_kept_principal_costs_no_round_trip(
    pg: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await total(pg, "jiangjin_admin")  # read (or re-read) and kept
    with round_trips(pg, monkeypatch) as trips:
        assert await total(pg, "jiangjin_admin") > 1
    begin, *statements, end = trips
    assert begin.startswith("BEGIN") and "authz_epoch" in begin
    assert end.startswith("ROLLBACK")
    assert not any("role_grant" in s for s in statements)  # no principal read
    assert len(statements) == 1  # the page with its count (resolvers/sqljson.py: one statement)


async def test_a_change_made_elsewhere_is_seen_on_the_next_request(pg: Api) -> None:
    """Changed by another connection, as another process would: a grant revoked and given
    back, a subtree moved (its path rewritten), a token version bumped."""
    before = await total(pg, "huxi_secretary")
    assert before > 1
    async with pg.engine.begin() as conn:
        grant = (
            await conn.execute(
                text(
                    "SELECT g.id, g.account_id, g.role, g.org_id FROM role_grant g"
                    " JOIN account a ON a.id = g.account_id"
                    " WHERE a.username = 'huxi_secretary' AND g.role = 'community_secretary'"
                )
            )
        ).one()
        await conn.execute(text("DELETE FROM role_grant WHERE id = :i"), {"i": grant.id})
    try:
        assert await total(pg, "huxi_secretary") == 1  # the self role only
    finally:
        async with pg.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO role_grant (id, account_id, role, org_id) VALUES (:i, :a, :r, :o)"
                ),
                dict(grant._mapping, i=grant.id, a=grant.account_id, r=grant.role, o=grant.org_id),
            )
    assert await total(pg, "huxi_secretary") == before

    async with pg.engine.begin() as conn:
        epoch = await conn.scalar(text("SELECT n FROM authz_epoch"))
        await conn.execute(
            text("UPDATE organization SET path = path WHERE id = :o"), {"o": grant.org_id}
        )
        assert await conn.scalar(text("SELECT n FROM authz_epoch")) == epoch + 1

    bump = "UPDATE account SET token_version = token_version + :d WHERE username = 'huxi_secretary'"
    async with pg.engine.begin() as conn:
        await conn.execute(text(bump), {"d": 1})
    try:
        body = await pg.post(COUNT, user="huxi_secretary")  # a token of version 1
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    finally:
        async with pg.engine.begin() as conn:
            await conn.execute(text(bump), {"d": -1})
    assert await total(pg, "huxi_secretary") == before


async def test_begin_checking_answers_only_for_a_transaction_it_begins(pg: Api) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    from server.db import Session

    async with Session(pg.engine) as session:
        epoch = await session.scalar(text("SELECT n FROM authz_epoch"))  # began already
        assert await begin_checking(session, "SELECT 1") is None
    async with AsyncSession(pg.engine) as session:
        assert await begin_checking(session, f"SELECT 1 FROM authz_epoch WHERE n = {epoch}")
    async with AsyncSession(pg.engine) as session:
        assert not await begin_checking(session, "SELECT 1 FROM authz_epoch WHERE n = -1")
        # the transaction runs on as any other
        assert await session.scalar(text("SELECT n FROM authz_epoch")) == epoch
