"""The subtree filter built by the scope helpers is served by the org_path index."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from authz.principal import load_principal
from authz.scope import scope_for
from models import Member, Organization
from resolvers.context import Context
from resolvers.member import order_by
from resolvers.org import member_stats_select
from resolvers.pagination import Window, paged


async def plan(engine: AsyncEngine, username: str, column_stmt) -> str:
    async with AsyncSession(engine) as session:
        principal = await load_principal(session, username)
        assert principal is not None
        stmt = column_stmt(scope_for(principal, "member", "read"))
        sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "sqlite":
            rows = (await session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all()
            return "\n".join(str(r[-1]) for r in rows)
        # tiny demo tables make a sequential scan cheapest; forbid it to see what the index serves
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        rows = (await session.execute(text(f"EXPLAIN {sql}"))).all()
        return "\n".join(r[0] for r in rows)


async def test_member_subtree_uses_org_path_index(db: AsyncEngine) -> None:
    for username in ("jiangjin_admin", "shengquan_admin", "qnt_grid1_secretary"):
        shown = await plan(
            db,
            username,
            lambda s: s.apply(
                select(Member.id).order_by(Member.org_path, Member.id), Member.org_path
            ),
        )
        # either index led by org_path serves the range (the statistics one may be chosen)
        assert "ix_member_org_path_id" in shown or "ix_member_stats" in shown, shown
        assert "SCAN member\n" not in shown + "\n" and "Seq Scan" not in shown


async def test_org_subtree_uses_path_index(db: AsyncEngine) -> None:
    shown = await plan(
        db, "banan_admin", lambda s: s.apply(select(Organization.id), Organization.path)
    )
    # SQLite names the unique constraint's index sqlite_autoindex_*; the range is what matters
    expected = "(path>? AND path<?)" if db.dialect.name == "sqlite" else "uq_organization_path"
    assert expected in shown, shown
    assert "SCAN organization" not in shown and "Seq Scan" not in shown


@pytest.mark.parametrize(
    "window", [Window("Query.members", first=100), Window("Query.members", last=100)]
)
async def test_default_member_page_reads_the_index_in_order(
    db: AsyncEngine, window: Window
) -> None:
    """Tree order (org_path, id): the subtree range and the order come from one index, read
    forward or (for `last`) backward."""
    shown = await plan(
        db,
        "jiangjin_admin",
        lambda s: paged(
            s.apply(select(Member.id, Member.name), Member.org_path), order_by(), window
        ),
    )
    assert "ix_member_org_path_id" in shown, shown
    assert "TEMP B-TREE" not in shown and "Sort" not in shown, shown


async def test_subtree_statistics_read_only_the_statistics_index(db: AsyncEngine) -> None:
    jiangjin = "中共重庆市江津区委员会"
    async with AsyncSession(db) as session:
        path = await session.scalar(select(Organization.path).where(Organization.name == jiangjin))
        principal = await load_principal(session, "jiangjin_admin")
    if db.dialect.name == "postgresql":  # index-only scans need the visibility map: vacuum
        async with db.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE member"))
    ctx = Context(session, principal)  # statement building only: no query through it
    shown = await plan(db, "jiangjin_admin", lambda _: member_stats_select(ctx, path))
    expected = "COVERING INDEX ix_member_stats" if db.dialect.name == "sqlite" else "Index Only"
    assert expected in shown and "ix_member_stats" in shown, shown
