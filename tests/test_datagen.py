"""The demo data set: deterministic, built around the story's real places and people."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from datagen.people import id_card_check
from datagen.seed import seed
from models import Account, Member, Organization
from tests.conftest import fresh_engine


async def snapshot(engine: AsyncEngine) -> tuple[list, list]:
    async with engine.connect() as conn:
        orgs = (
            await conn.execute(
                select(Organization.id, Organization.name, Organization.path).order_by(
                    Organization.id
                )
            )
        ).all()
        members = (
            await conn.execute(
                select(Member.id, Member.name, Member.id_card_number, Member.org_id).order_by(
                    Member.id
                )
            )
        ).all()
    return orgs, members


async def test_demo_seed_is_deterministic(tmp_path) -> None:
    first = await fresh_engine("sqlite", str(tmp_path), "a")
    second = await fresh_engine("sqlite", str(tmp_path), "b")
    await seed(first, "demo")
    await seed(second, "demo")
    a, b = await snapshot(first), await snapshot(second)
    assert a == b
    assert 2000 < len(a[1]) < 10000
    # a second seed without --reset writes nothing; with it, the same data come back
    assert await seed(first, "demo") is None
    report = await seed(first, "demo", reset=True)
    assert report is not None and report.members == len(a[1])
    assert await snapshot(first) == a
    await first.dispose()
    await second.dispose()


async def member_named(conn: AsyncSession, name: str) -> Member:
    return (await conn.execute(select(Member).where(Member.name == name))).scalar_one()


async def org_named(conn: AsyncSession, name: str) -> Organization:
    return (await conn.execute(select(Organization).where(Organization.name == name))).scalar_one()


async def test_story_places_and_people(db: AsyncEngine) -> None:
    async with AsyncSession(db) as conn:
        huxi = await org_named(conn, "中共浒溪社区党委")
        own = await conn.scalar(
            select(func.count())
            .select_from(Member)
            .where(Member.org_path >= huxi.path, Member.org_path < huxi.path[:-1] + "0")
        )
        residents = await conn.scalar(
            select(func.count()).select_from(Member).where(Member.residential_org_id == huxi.id)
        )
        assert own == 52
        assert residents == 58
        ouli = await member_named(conn, "欧丽")
        assert ouli.residential_org_id == huxi.id and ouli.employer_org_id == ouli.org_id
        dujuan = await member_named(conn, "杜娟")
        daximen = await org_named(conn, "中共大西门社区党委")
        assert dujuan.residential_org_id == daximen.id
        chenjia = await member_named(conn, "陈佳")
        yuanyang = await org_named(conn, "中共鸳鸯村党委")
        assert chenjia.floating.name == "OUTFLOW"
        assert chenjia.org_path.startswith(yuanyang.path)
        accounts = dict((await conn.execute(select(Account.username, Account.member_id))).all())
        assert accounts["ouli"] == ouli.id and accounts["chenjia"] == chenjia.id


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM member WHERE length(id_card_number) <> 18",
        "SELECT count(*) FROM organization o JOIN organization p ON p.id = o.parent_id"
        " WHERE o.path <> p.path || o.id || '/' OR o.depth <> p.depth + 1",
        "SELECT count(*) FROM member m JOIN organization o ON o.id = m.org_id"
        " WHERE m.org_path <> o.path OR o.level <> 'BRANCH'",
    ],
)
async def test_integrity(db: AsyncEngine, sql: str) -> None:
    async with db.connect() as conn:
        assert await conn.scalar(text(sql)) == 0


async def test_branch_sizes_and_id_checksums(db: AsyncEngine) -> None:
    async with db.connect() as conn:
        sizes = (
            (await conn.execute(select(func.count()).select_from(Member).group_by(Member.org_id)))
            .scalars()
            .all()
        )
        cards = (await conn.scalars(select(Member.id_card_number))).all()
    assert min(sizes) >= 3 and max(sizes) <= 50
    assert all(id_card_check(c[:17]) == c[17] for c in cards)
