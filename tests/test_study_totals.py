"""The maintained yearly study totals (`study_total`) against their definition (`credited`):
every crediting write keeps them exact in its transaction, a study activity credits its
attendees when it is held (and a sign-in after that at once), a cancelled one credits
nothing, the migration's backfill equals the recomputation, and a member's row follows them
when they move. `assert_totals_exact` is run at the end of the learning and activity tests."""

import asyncio
import datetime as dt
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from datagen.seed import seed
from models import Member, Organization, StudyTotal
from resolvers.learning import EVERYWHERE, SOURCES, credits_under, refresh_totals
from resolvers.rehome import rehome_members
from server.db import downgrade, upgrade
from tests.conftest import BACKENDS, NOW, Api, fresh_engine, stored_year
from tests.test_activity import (
    CANCEL,
    HELD,
    HUXI_AUDIENCE,
    NODE,
    RECORD,
    SIGN_IN,
    _start_before_now,
    at,
    huxi_range,
    member_accounts,
    pk,
    publish,
)

YEARS = range(NOW.year - 2, NOW.year + 2)
MY_OFFLINE = "{ viewer { member { studyHours { offlineMinutes totalMinutes } } } }"
Figures = tuple[int, int, int, int, int]  # online, offline, delivered, training, minutes


async def recomputed(session: AsyncSession) -> dict[tuple[int, int], Figures]:
    """Every member's credits by year, from `credited`'s parts under the whole tree."""
    out: dict[tuple[int, int], list[int]] = {}
    names = list(SOURCES)
    for year in YEARS:
        sub = credits_under(year, EVERYWHERE, EVERYWHERE).subquery()
        stmt = select(sub.c.member_id, sub.c.source, func.sum(sub.c.minutes)).group_by(
            sub.c.member_id, sub.c.source
        )
        for member, source, minutes in await session.execute(stmt):
            row = out.setdefault((member, year), [0] * 5)
            row[names.index(source)] += minutes
            row[4] += minutes
    return {k: (v[0], v[1], v[2], v[3], v[4]) for k, v in out.items()}


async def totals_mismatches(session: AsyncSession) -> list:
    """(key, maintained, recomputed) where a total differs from its credits (a missing row
    is 0), and (member, total's path, member's path) where a row did not follow its member."""
    columns = [StudyTotal.__table__.c[n] for n in SOURCES.values()]
    rows = await session.execute(
        select(StudyTotal.member_id, StudyTotal.year, *columns, StudyTotal.minutes)
    )
    kept = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    expected = await recomputed(session)
    zero = (0, 0, 0, 0, 0)
    found = [
        (key, kept.get(key, zero), expected.get(key, zero))
        for key in sorted(kept.keys() | expected.keys())
        if kept.get(key, zero) != expected.get(key, zero)
    ]
    strays = await session.execute(
        select(StudyTotal.member_id, StudyTotal.org_path, Member.org_path)
        .join(Member, Member.id == StudyTotal.member_id)
        .where(StudyTotal.org_path != Member.org_path)
    )
    return found + list(strays)


async def assert_totals_exact(engine: AsyncEngine) -> int:
    """Every maintained total equals the recomputation from `credited` and sits at its
    member's org; the number of members credited anything (so a check of none fails)."""
    async with AsyncSession(engine) as session:
        assert await totals_mismatches(session) == []
        credited = await session.scalar(
            select(func.count()).select_from(StudyTotal).where(StudyTotal.minutes > 0)
        )
    assert credited
    return credited


async def refreshed(api: Api, members: Sequence[int], year: int) -> None:
    """A test's raw SQL changed credits: the totals as the write would have left them."""
    async with AsyncSession(api.engine) as session:
        await refresh_totals(session, members, [year])
        await session.commit()


async def offline(api: Api, user: str) -> int:
    return (await api.data(MY_OFFLINE, user=user))["viewer"]["member"]["studyHours"][
        "offlineMinutes"
    ]


async def code_of(api: Api, activity: str) -> str:
    node = (await api.data(NODE, {"a": activity}, user="huxi_secretary"))["node"]
    return node["signInCode"]["code"]


async def test_a_theme_day_credits_its_attendees_when_held(writable_api: Api) -> None:
    api = writable_api
    first, later, away = await member_accounts(
        api, "studier", f"({HUXI_AUDIENCE}) AND m.status = 'FULL'", 3, **await huxi_range(api)
    )
    before = {u: await offline(api, u) for u in (first, later, away)}
    day = await publish(api, type="THEME_DAY", title="主题党日", startsAt=at(10), endsAt=at(130))
    await api.data(SIGN_IN, {"a": day["id"], "c": await code_of(api, day["id"])}, user=first)
    assert await offline(api, first) == before[first]  # published: nothing credited yet
    await _start_before_now(api, pk(day["id"]))  # it began ten minutes ago: 140 minutes
    held = await api.data(HELD, {"a": day["id"], "v": day["version"]}, user="huxi_secretary")
    assert await offline(api, first) == before[first] + 140
    await api.data(SIGN_IN, {"a": day["id"], "c": await code_of(api, day["id"])}, user=later)
    assert await offline(api, later) == before[later] + 140  # held: credited at once
    version = held["markActivityHeld"]["activity"]["version"]
    await api.data(RECORD, {"a": day["id"], "v": version}, user="huxi_secretary")
    assert await offline(api, first) == before[first] + 140  # recorded: still once
    called_off = await publish(
        api, type="PARTY_LECTURE", title="改期的党课", startsAt=at(10), endsAt=at(100)
    )
    code = await code_of(api, called_off["id"])
    await api.data(SIGN_IN, {"a": called_off["id"], "c": code}, user=away)
    await api.data(
        CANCEL, {"a": called_off["id"], "v": called_off["version"]}, user="huxi_secretary"
    )
    assert await offline(api, away) == before[away]  # never held: never credited
    await assert_totals_exact(api.engine)


async def test_a_moved_member_takes_their_totals(writable_api: Api) -> None:
    api = writable_api
    async with AsyncSession(api.engine) as session:
        member = await session.scalar(
            select(StudyTotal.member_id).where(StudyTotal.minutes > 0).limit(1)
        )
        target = (
            await session.execute(
                select(Organization).where(Organization.name == "中共重庆市巴南区委员会")
            )
        ).scalar_one()
        await rehome_members(session, select(Member.id).where(Member.id == member), target)
        paths = await session.scalars(
            select(StudyTotal.org_path).where(StudyTotal.member_id == member)
        )
        assert set(paths) == {target.path}
        assert await totals_mismatches(session) == []
        await session.rollback()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_backfill_equals_the_recomputation(backend: str, tmp_path) -> None:
    """0020 fills the totals from the data as it found them: exactly `credited`."""
    engine = await fresh_engine(backend, str(tmp_path), "study_totals")
    try:
        await seed(engine, "demo", as_of=dt.date(2026, 1, 10))  # credits in two years
        await downgrade(engine, "0019")
        await upgrade(engine)
        years = await sql_years(engine)
        assert years == {2025, 2026}
        assert await assert_totals_exact(engine) > 100
    finally:
        await engine.dispose()


async def sql_years(engine: AsyncEngine) -> set[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT DISTINCT year FROM study_total WHERE minutes > 0"))
        return {r[0] for r in rows}


async def test_two_writes_crediting_one_member_at_once_both_count(writable_api: Api) -> None:
    """PostgreSQL: the second write's recomputation waits for the first to commit, then sees
    its credit (without the lock it would overwrite the total with one that misses it)."""
    api = writable_api
    if api.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    year = stored_year(2026)
    async with AsyncSession(api.engine) as session:
        member, first, second = (
            await session.execute(
                text(
                    "SELECT member_id, MIN(id), MAX(id) FROM study_session WHERE started_at >= :a"
                    " AND started_at < :b GROUP BY member_id HAVING COUNT(*) > 1 LIMIT 1"
                ),
                year,
            )
        ).one()
    more = text("UPDATE study_session SET credited_minutes = credited_minutes + 7 WHERE id = :s")

    async def credit(session: AsyncSession, row: int) -> None:
        await session.execute(more, {"s": row})
        await refresh_totals(session, [member], [2026])

    async with AsyncSession(api.engine) as one, AsyncSession(api.engine) as other:
        await credit(one, first)
        waiting = asyncio.create_task(credit(other, second))
        await asyncio.sleep(0.5)  # the second write reaches the first's locks before it commits
        await one.commit()
        await waiting
        await other.commit()
    await assert_totals_exact(api.engine)
