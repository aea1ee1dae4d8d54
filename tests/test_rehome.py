"""The path copies follow a moved subtree and moved members, in every table that holds one."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from authz.paths import subtree
from authz.registry import REGISTRY
from datagen.seed import seed
from models import CheckIn, DuesMonth, Member, Organization
from resolvers.rehome import move_subtree, path_columns, rehome_members
from tests.conftest import BACKENDS, fresh_engine


@pytest.fixture(scope="module", params=BACKENDS)
async def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    engine = await fresh_engine(request.param, str(tmp_path_factory.mktemp("rehome")), "rehome")
    await seed(engine, "demo")
    yield engine
    await engine.dispose()


async def org_named(session: AsyncSession, name: str) -> Organization:
    return (
        await session.execute(select(Organization).where(Organization.name == name))
    ).scalar_one()


async def under(session: AsyncSession, path: str) -> dict[str, int]:
    """Rows under `path` in every path column, by table.column."""
    counts = {}
    for table, column in path_columns():
        n = await session.scalar(
            select(func.count()).select_from(table).where(subtree(column, path))
        )
        counts[f"{table.name}.{column.name}"] = n or 0
    return counts


def test_every_path_copy_is_found() -> None:
    names = {f"{t.name}.{c.name}" for t, c in path_columns()}
    assert {
        "organization.path",
        "member.org_path",
        "check_in.member_org_path",
        "check_in.community_path",
        "dues_month.org_path",
    } <= names
    assert "audit_log.scope_path" not in names  # the append-only trail keeps where it happened
    for model, placement in REGISTRY.items():
        if placement.follows is not None:
            assert placement.member is not None, model


async def test_a_subtree_moves_with_every_copy(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        street = await org_named(session, "中共圣泉街道党工委")
        banan = await org_named(session, "中共重庆市巴南区委员会")
        old, depth, sid = street.path, street.depth, street.id
        before = await under(session, old)
        assert before["member.org_path"] > 0 and before["check_in.community_path"] > 0
        new = f"{banan.path}{sid}/"
        moved = await move_subtree(session, old, new)
        assert moved == before["organization.path"]
        assert await under(session, old) == dict.fromkeys(before, 0)
        assert await under(session, new) == before
        session.expire_all()
        assert (await session.get(Organization, sid)).depth == depth  # type: ignore[union-attr]
        await session.rollback()


async def test_members_move_with_their_own_copies_only(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        target = await org_named(session, "中共重庆市巴南区委员会")
        ouli = (await session.execute(select(Member).where(Member.name == "欧丽"))).scalar_one()
        oid, target_id, target_path, version = ouli.id, target.id, target.path, ouli.version
        check_in = (
            (await session.execute(select(CheckIn).where(CheckIn.member_id == oid)))
            .scalars()
            .first()
        )
        assert check_in is not None
        community = check_in.community_path
        assert check_in.member_org_path != target_path
        await rehome_members(session, select(Member.id).where(Member.id == oid), target)
        session.expire_all()
        await session.refresh(check_in)
        assert check_in.member_org_path == target_path and check_in.community_path == community
        months = await session.scalars(select(DuesMonth.org_path).where(DuesMonth.member_id == oid))
        assert set(months) == {target_path}
        member = await session.get(Member, oid)
        assert (member.org_id, member.org_path) == (target_id, target_path)  # type: ignore[union-attr]
        assert member.version == version + 1  # type: ignore[union-attr]  # an earlier read is stale
        await session.rollback()
