"""The demo data set: deterministic, built around the story's real places and people, on
whatever day it is seeded."""

import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from datagen.people import id_card_check
from datagen.seed import seed
from domain.calendar import parse_period
from domain.clock import clock, pinned
from domain.dues import period_of_date
from models import Account, Member, Organization
from models.base import as_stored
from server.app import create_app
from server.settings import Settings
from tests.conftest import SECRET, Api, fresh_engine


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


async def test_a_factor_scales_the_city_and_base_only_loads_orgs_members_accounts(
    tmp_path,
) -> None:
    """The scale curve's databases: `factor` multiplies the streets, townships and units
    (so branches and members), the story's places stay, and `base_only` writes no activity."""
    engine = await fresh_engine("sqlite", str(tmp_path), "x2")
    report = await seed(engine, "demo", factor=2, base_only=True)
    assert report is not None
    async with engine.connect() as conn:
        orgs = await conn.scalar(select(func.count()).select_from(Organization))
        members = await conn.scalar(select(func.count()).select_from(Member))
        accounts = await conn.scalar(select(func.count()).select_from(Account))
        story = ["中共浒溪社区党委", "中共鸳鸯村党委"]
        anchors = await conn.scalar(select(func.count()).where(Organization.name.in_(story)))
        check_ins = await conn.scalar(text("SELECT count(*) FROM check_in"))
        dues = await conn.scalar(text("SELECT count(*) FROM dues_payment"))
    await engine.dispose()
    base = await fresh_engine("sqlite", str(tmp_path), "x1")
    single = await seed(base, "demo")
    await base.dispose()
    assert single is not None
    assert (orgs, members, accounts) == (report.organizations, report.members, report.accounts)
    assert 1.5 * single.organizations < orgs < 2.5 * single.organizations
    assert 1.5 * single.members < members < 2.5 * single.members
    assert accounts == single.accounts and anchors == 2
    assert check_ins == dues == 0 < single.check_ins


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


async def test_no_date_gives_away_a_birth_date(db: AsyncEngine) -> None:
    """Birth dates are masked: no other date of a member may be the birth date plus whole
    years (a date of application was, for every member)."""
    async with db.connect() as conn:
        rows = (await conn.execute(select(Member.birth_date, Member.applied_on))).all()
    whole_years = [b for b, a in rows if a is not None and (a - b).days % 365 == 0]
    assert len(whole_years) < len(rows) / 50


async def facts_as_of(engine: AsyncEngine, as_of: dt.date) -> dict[str, object]:
    """What the story needs on the day it is seeded, counted from the rows."""
    this = period_of_date(as_of)
    start = as_stored(clock().start_of(as_of))
    quarter = parse_period(f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}", as_of)
    before = quarter.start - dt.timedelta(days=1)
    last_quarter = parse_period(f"{before.year}-Q{(before.month - 1) // 3 + 1}", as_of)
    sql = {
        "late_moments": "SELECT (SELECT COUNT(*) FROM dues_payment WHERE paid_at >= :start)"
        " + (SELECT COUNT(*) FROM service_record WHERE started_at >= :start"
        "    OR verified_at >= :start)",
        "late_days": "SELECT (SELECT COUNT(*) FROM member WHERE joined_on > :day"
        "    OR applied_on > :day OR birth_date > :day)"
        " + (SELECT COUNT(*) FROM check_in WHERE reported_on > :day OR ended_on > :day)"
        " + (SELECT COUNT(*) FROM development_record WHERE acted_on > :day)"
        " + (SELECT COUNT(*) FROM dues_base WHERE set_on > :day)"
        " + (SELECT COUNT(*) FROM organization WHERE established_on > :day)",
        "due": "SELECT COUNT(*) FROM dues_base WHERE year = :year AND owed_from <= :period"
        " AND monthly_payable_fen > 0",
        "paid": "SELECT COUNT(DISTINCT member_id) FROM dues_month WHERE period = :period",
        "paid_before": "SELECT COUNT(DISTINCT member_id) FROM dues_month"
        " WHERE period = :period - 1",
        "last_quarter_verified": "SELECT COUNT(*) FROM service_record WHERE status = 'VERIFIED'"
        " AND started_at >= :qa AND started_at < :qb",
        "overdue": "SELECT COUNT(*) FROM development_case WHERE status = 'OPEN'"
        " AND next_due_on < :day",
        "on_time": "SELECT COUNT(*) FROM development_case WHERE status = 'OPEN'"
        " AND next_due_on >= :day",
        "ouli_paid_to": "SELECT MAX(period) FROM dues_month m JOIN member p ON p.id = m.member_id"
        " WHERE p.name = '欧丽'",
    }
    params = {
        "start": start,
        "day": as_of,
        "year": as_of.year,
        "period": this,
        "qa": as_stored(last_quarter.start_at),
        "qb": as_stored(last_quarter.end_at),
    }
    async with engine.connect() as conn:
        return {k: await conn.scalar(text(q), params) for k, q in sql.items()}


@pytest.mark.parametrize("as_of", ["2026-12-01", "2027-01-01", "2028-02-29", "2027-07-15"])
async def test_seeded_as_of_any_day(tmp_path, as_of: str) -> None:
    """The story holds on whatever day it is seeded: nothing after the day began, this month's
    dues partly paid (from its second day: the first opens unpaid), last quarter's service,
    development steps both overdue and on time, and 欧丽's last full quarter open."""
    day = dt.date.fromisoformat(as_of)
    engine = await fresh_engine("sqlite", str(tmp_path), "as_of")
    try:
        with pinned(clock().start_of(day) + dt.timedelta(hours=10)):
            report = await seed(engine, "demo", as_of=day)
        assert report is not None
        facts = await facts_as_of(engine, day)
    finally:
        await engine.dispose()
    assert facts["late_moments"] == 0 and facts["late_days"] == 0, facts
    paid = facts["paid"] if day.day > 1 else facts["paid_before"]
    assert 0.5 * facts["due"] < paid < facts["due"], facts  # type: ignore[operator]
    if day.day == 1:
        assert facts["paid"] == 0
    assert facts["last_quarter_verified"] > 100, facts  # type: ignore[operator]
    assert facts["overdue"] > 0 and facts["on_time"] > 0, facts  # type: ignore[operator]
    this = period_of_date(day)
    assert facts["ouli_paid_to"] == this - this % 3 - 4, facts


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_reset_replaces_data_that_the_audit_trail_refers_to(tmp_path, backend: str) -> None:
    """`seed --reset` once the API has written audit rows (naming accounts): the data set is
    seeded again as it was, the trail of the replaced data with it."""
    engine = await fresh_engine(backend, str(tmp_path), "reset")
    try:
        await seed(engine, "demo")
        before = await snapshot(engine)
        settings = Settings(database_url="", jwt_secret=SECRET, env="development")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, engine=engine)),
            base_url="http://dangjian.test",
        ) as client:
            api = Api(client, settings, engine)
            refused = await api.post(
                'mutation { endCheckIn(input: {checkInId: "Q2hlY2tJbjo5OTk5OTk5"}) '
                "{ __typename } }",
                user="ouli",
            )
            assert refused["errors"]
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT COUNT(account_id) FROM audit_log")) == 1
        assert await seed(engine, "demo", reset=True) is not None
        assert await snapshot(engine) == before
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT COUNT(*) FROM audit_log")) == 0
    finally:
        await engine.dispose()
