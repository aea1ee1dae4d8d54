"""The cockpit (驾驶舱): who may open it, the children it drills into, every registered
indicator against an independent SQL computation written here (city and 江津, both
databases), the 12-month trend, and a statement count that does not grow with children or
months."""

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from domain.calendar import add_months, parse_period
from domain.checkin import period_target
from domain.clock import clock
from domain.learning import target_minutes
from models import PartyPost
from models.base import as_stored
from resolvers.cockpit import SOURCES, IndicatorKey, trend_months
from resolvers.ids import to_global_id
from tests.conftest import NOW, Api
from tests.test_exports import workbook
from tests.test_governance import RECTIFICATION_SQL, REELECTION_SQL
from tests.test_learning import independent_minutes
from tests.test_saved_queries import get, parse_csv
from tests.test_statement_count import counting

TODAY = NOW.date()
CITY = "中共重庆市委"
BANAN = "中共重庆市巴南区委员会"
JIANGJIN = "中共重庆市江津区委员会"
FIGURES = "indicators { key numerator denominator rate }"
COCKPIT = f"""query($u: ID, $p: String) {{ cockpit(under: $u, period: $p) {{
  periodStart periodEnd organization {{ name }} {FIGURES}
  byChild(first: 100) {{ totalCount edges {{ node {{ name level organization {{ id name }}
    {FIGURES} }} }} }}
  trend {{ edges {{ node {{ month {FIGURES} }} }} }} }} }}"""
SORTED = """query($k: IndicatorKey, $first: Int, $after: String) { cockpit {
  byChild(sortBy: $k, first: $first, after: $after) { totalCount
    pageInfo { hasNextPage endCursor } edges { node { name indicators { key rate } } } } } }"""


async def rows(api: Api, sql: str, **params: Any) -> list[Any]:
    async with api.engine.connect() as conn:
        return list(await conn.execute(text(sql), params))


async def path_of(api: Api, name: str) -> str:
    return (await rows(api, "SELECT path FROM organization WHERE name = :n", n=name))[0][0]


async def org_gid(api: Api, name: str) -> str:
    pk = (await rows(api, "SELECT id FROM organization WHERE name = :n", n=name))[0][0]
    return to_global_id("Organization", pk)


async def pair(api: Api, sql: str, **params: Any) -> tuple[int, int]:
    """The (numerator, denominator) that `sql` selects."""
    ((n, d),) = await rows(api, sql, **params)
    return int(n), int(d)


def ended_months(first: dt.date, end: dt.date) -> list[dt.date]:
    """The first days of the months in [first, end) that ended by today."""
    months = []
    while first < end and add_months(first, 1) <= TODAY:
        months.append(first)
        first = add_months(first, 1)
    return months


def stored(day: dt.date) -> dt.datetime:
    return as_stored(clock().start_of(day))


def kids(cockpit: dict) -> list[dict]:
    return [e["node"] for e in cockpit["byChild"]["edges"]]


def months(cockpit: dict) -> list[dict]:
    return [e["node"] for e in cockpit["trend"]["edges"]]


def by_key(figures: list[dict]) -> dict[str, tuple[int | None, int | None]]:
    return {f["key"]: (f["numerator"], f["denominator"]) for f in figures}


# ---- the independent computations: plain SQL per indicator, prefixes by LIKE ------------------


async def dues_on_time(api: Api, prefix: str, first: dt.date, end: dt.date) -> tuple[int, int]:
    """Member-months owing dues (months of the span that ended by today) paid by the month's
    end through a live settlement."""
    num = den = 0
    for month in ended_months(first, end):
        after = add_months(month, 1)
        period = month.year * 12 + month.month - 1
        n, d = await pair(
            api,
            "SELECT COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM dues_month dm JOIN dues_payment"
            " p ON p.id = dm.payment_id WHERE dm.member_id = b.member_id AND dm.period = :m"
            " AND dm.voided_by IS NULL AND p.paid_at < :end) THEN 1 ELSE 0 END), 0), COUNT(*)"
            " FROM dues_base b JOIN member mb ON mb.id = b.member_id WHERE b.year = :y"
            " AND b.owed_from <= :m AND b.exempt = :no AND b.monthly_payable_fen > 0"
            " AND NOT (mb.standing <> 'ACTIVE' AND mb.standing_on < :first)"
            " AND b.org_path LIKE :prefix",
            m=period,
            y=month.year,
            end=stored(after),
            first=month,
            no=False,
            prefix=prefix + "%",
        )
        num, den = num + n, den + d
    return num, den


async def check_in(api: Api, prefix: str, day: dt.date) -> tuple[int, int]:
    return await pair(
        api,
        "SELECT COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM check_in c WHERE c.member_id = m.id"
        " AND c.reported_on <= :day AND (c.ended_on IS NULL OR c.ended_on > :day)) THEN 1"
        " ELSE 0 END), 0), COUNT(*) FROM member m WHERE m.standing = 'ACTIVE'"
        " AND m.employer_org_id IS NOT NULL AND m.org_path LIKE :prefix",
        day=day,
        prefix=prefix + "%",
    )


async def volunteer(api: Api, prefix: str, first: dt.date, end: dt.date) -> tuple[int, int]:
    span = parse_period(f"{first}..{end - dt.timedelta(days=1)}", TODAY)
    target = period_target(50.0, span) * 60
    day = min(TODAY, end - dt.timedelta(days=1))
    minutes = await rows(
        api,
        "SELECT (SELECT COALESCE(SUM(s.minutes), 0) FROM service_record s WHERE"
        " s.check_in_id = c.id AND s.status = 'VERIFIED' AND s.started_at >= :a"
        " AND s.started_at < :b) FROM check_in c WHERE c.community_path LIKE :prefix"
        " AND c.reported_on <= :day AND (c.ended_on IS NULL OR c.ended_on > :day)",
        a=stored(first),
        b=stored(end),
        day=day,
        prefix=prefix + "%",
    )
    return sum(1 for (m,) in minutes if m >= target), len(minutes)


async def theme_day(api: Api, prefix: str, first: dt.date, end: dt.date) -> tuple[int, int]:
    """Per month that ended by today: branches with a held 主题党日 that month; × branches."""
    branches = (
        await rows(
            api,
            "SELECT COUNT(*) FROM organization WHERE level = 'BRANCH' AND path LIKE :prefix",
            prefix=prefix + "%",
        )
    )[0][0]
    held = 0
    months = ended_months(first, end)
    for month in months:
        held += (
            await rows(
                api,
                "SELECT COUNT(DISTINCT a.org_id) FROM activity a JOIN organization o ON"
                " o.id = a.org_id WHERE o.level = 'BRANCH' AND o.path LIKE :prefix AND"
                " a.kind = 'THEME_DAY' AND a.state IN ('HELD', 'RECORDED') AND"
                " a.starts_at >= :a AND a.starts_at < :b",
                prefix=prefix + "%",
                a=stored(month),
                b=stored(add_months(month, 1)),
            )
        )[0][0]
    return held, branches * len(months)


async def enrolment(api: Api, prefix: str, day: dt.date) -> tuple[int, int]:
    return await pair(
        api,
        "SELECT COALESCE(SUM(CASE WHEN placement = 'PLACED' AND placed_on <= :day THEN 1"
        " ELSE 0 END), 0), COUNT(*) FROM floating_record WHERE placement IS NOT NULL"
        " AND status <> 'RECORDED' AND departed_on <= :day AND (returned_on IS NULL OR"
        " returned_on > :day) AND COALESCE(host_path, placed_path) LIKE :prefix",
        day=day,
        prefix=prefix + "%",
    )


async def overdue(api: Api, prefix: str, day: dt.date) -> tuple[int, int]:
    return await pair(
        api,
        "SELECT COALESCE(SUM(CASE WHEN next_due_on < :day THEN 1 ELSE 0 END), 0), COUNT(*)"
        " FROM development_case WHERE status = 'OPEN' AND org_path LIKE :prefix",
        day=day,
        prefix=prefix + "%",
    )


async def study(api: Api, path: str) -> tuple[int, int]:
    counted = await independent_minutes(api, path)  # credits of 2026, summed table by table
    met = sum(
        1
        for minutes, post in counted.values()
        if minutes >= target_minutes(PartyPost[post] if post else None)
    )
    return met, len(counted)


async def governance(
    api: Api, sql: str, path: str, first: dt.date, end: dt.date
) -> tuple[int, int]:
    return await pair(api, sql, a=first, b=end, p=path, q=path[:-1] + "0")


async def expected(api: Api, path: str) -> dict[str, tuple[int, int]]:
    first, end = dt.date(2026, 1, 1), dt.date(2027, 1, 1)
    return {
        "ON_TIME_REELECTION": await governance(api, REELECTION_SQL, path, first, end),
        "ON_TIME_RECTIFICATION": await governance(api, RECTIFICATION_SQL, path, first, end),
        "DUES_ON_TIME": await dues_on_time(api, path, first, end),
        "CHECK_IN": await check_in(api, path, TODAY),
        "VOLUNTEER_HOURS_MET": await volunteer(api, path, first, end),
        "THEME_DAY": await theme_day(api, path, first, end),
        "FLOATING_ENROLMENT": await enrolment(api, path, TODAY),
        "DEVELOPMENT_OVERDUE": await overdue(api, path, TODAY),
        "STUDY_HOURS_MET": await study(api, path),
    }


# ---- the tests ---------------------------------------------------------------------------------


def test_every_key_has_a_source() -> None:
    assert set(IndicatorKey) == set(SOURCES)


def test_trend_is_the_twelve_months_ending_with_the_period() -> None:
    months = trend_months(parse_period("2026-Q2", TODAY))
    assert months[0].start == dt.date(2025, 7, 1)
    assert months[-1].start == dt.date(2026, 6, 1) and months[-1].end == dt.date(2026, 7, 1)
    assert len(months) == 12


@pytest.mark.parametrize(("user", "org"), [("cq_admin", CITY), ("jiangjin_admin", JIANGJIN)])
async def test_indicators_match_independent_sql(api: Api, user: str, org: str) -> None:
    data = (await api.data(COCKPIT, {"p": "2026"}, user=user))["cockpit"]
    assert data["organization"]["name"] == org  # the caller's own root by default
    got = by_key(data["indicators"])
    want = await expected(api, await path_of(api, org))
    for key, figures in want.items():
        assert got[key] == figures, key
    assert [f["key"] for f in data["indicators"]] == [k.name for k in IndicatorKey]
    for f in data["indicators"]:
        if f["denominator"]:
            assert f["rate"] == pytest.approx(f["numerator"] / f["denominator"], abs=1e-4)
    # the data have something to say for each indicator: neither empty nor trivial
    for key, (n, d) in want.items():
        assert d > 0, key
        if org == CITY:
            assert 0 <= n <= d, key


async def test_city_drills_into_every_district(api: Api) -> None:
    data = (await api.data(COCKPIT, {"p": "2026"}, user="cq_admin"))["cockpit"]
    districts = await rows(
        api,
        "SELECT c.name FROM organization c JOIN organization p ON p.id = c.parent_id"
        " WHERE p.name = :n AND c.dissolved_on IS NULL ORDER BY c.path",
        n=CITY,
    )
    assert [c["name"] for c in kids(data)] == [r[0] for r in districts]
    assert {"中共重庆市江津区委员会", "中共重庆市巴南区委员会"} <= {c["name"] for c in kids(data)}
    # each district's figures are its own cockpit's, and the children add up to the city
    jiangjin = next(c for c in kids(data) if c["name"] == JIANGJIN)
    own = await api.data(
        COCKPIT, {"u": jiangjin["organization"]["id"], "p": "2026"}, user="cq_admin"
    )
    assert by_key(jiangjin["indicators"]) == by_key(own["cockpit"]["indicators"])
    city = by_key(data["indicators"])
    for key in (k.name for k in SOURCES):  # nothing of the demo data sits at the city's own org
        parts = [by_key(c["indicators"])[key] for c in kids(data)]
        assert (sum(n for n, _ in parts), sum(d for _, d in parts)) == city[key], key


async def test_district_drills_into_its_streets_and_towns_only(api: Api) -> None:
    data = (await api.data(COCKPIT, {"p": "2026"}, user="jiangjin_admin"))["cockpit"]
    below = await rows(
        api,
        "SELECT c.name, c.level, c.path FROM organization c JOIN organization p"
        " ON p.id = c.parent_id"
        " WHERE p.name = :n AND c.dissolved_on IS NULL ORDER BY c.path",
        n=JIANGJIN,
    )
    assert [c["name"] for c in kids(data)] == [r[0] for r in below]
    # its streets and towns (and the district's own base committees), nothing of another
    assert {c["level"] for c in kids(data)} >= {"STREET", "TOWNSHIP"}
    prefix = await path_of(api, JIANGJIN)
    assert all(path.startswith(prefix) and path != prefix for _, _, path in below)
    assert "中共圣泉街道党工委" in {c["name"] for c in kids(data)}
    # the city and another district are out of reach: null, as for a missing organisation
    for name in (CITY, BANAN):
        other = await api.post(COCKPIT, {"u": await org_gid(api, name)}, user="jiangjin_admin")
        assert other["data"]["cockpit"] is None and "errors" not in other
    missing = await api.post(
        COCKPIT, {"u": to_global_id("Organization", 10**8)}, user="jiangjin_admin"
    )
    assert missing["data"]["cockpit"] is None and "errors" not in missing


@pytest.mark.parametrize("user", ["ouli", "huxi_secretary", "qnt_grid1_secretary"])
async def test_others_are_forbidden(api: Api, user: str) -> None:
    body = await api.post(COCKPIT, {}, user=user)
    assert body["data"]["cockpit"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_auditor_and_street_admin_open_their_own(api: Api) -> None:
    audited = (await api.data(COCKPIT, {"p": "2026"}, user="jiangjin_auditor"))["cockpit"]
    admin = (await api.data(COCKPIT, {"p": "2026"}, user="jiangjin_admin"))["cockpit"]
    assert audited["organization"]["name"] == JIANGJIN
    assert by_key(audited["indicators"]) == by_key(admin["indicators"])
    street = (await api.data(COCKPIT, {"p": "2026"}, user="shengquan_admin"))["cockpit"]
    assert street["organization"]["name"] == "中共圣泉街道党工委"
    assert "COMMUNITY" in {c["level"] for c in kids(street)}


async def test_trend_has_twelve_months_matching_sql(api: Api) -> None:
    data = (await api.data(COCKPIT, {"p": "2026-10"}, user="jiangjin_admin"))["cockpit"]
    assert [m["month"] for m in months(data)] == [
        f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, i) for i in range(1, 11)]
    ]
    # the last month is the period itself
    assert by_key(months(data)[-1]["indicators"]) == by_key(data["indicators"])
    prefix = await path_of(api, JIANGJIN)
    august = by_key(months(data)[-3]["indicators"])
    first, end = dt.date(2026, 8, 1), dt.date(2026, 9, 1)
    last_day = end - dt.timedelta(days=1)
    assert august["DUES_ON_TIME"] == await dues_on_time(api, prefix, first, end)
    assert august["THEME_DAY"] == await theme_day(api, prefix, first, end)
    assert august["CHECK_IN"] == await check_in(api, prefix, last_day)
    assert august["VOLUNTEER_HOURS_MET"] == await volunteer(api, prefix, first, end)
    assert august["FLOATING_ENROLMENT"] == await enrolment(api, prefix, last_day)
    assert august["DEVELOPMENT_OVERDUE"] == await overdue(api, prefix, last_day)
    assert august["STUDY_HOURS_MET"] == await study(api, prefix)  # the year's, every month
    # an ongoing month has no ended month of dues or theme days yet: 0 of 0, rate null
    november = by_key(
        (await api.data(COCKPIT, {"p": "2026-11"}, user="jiangjin_admin"))["cockpit"]["indicators"]
    )
    assert november["DUES_ON_TIME"] == november["THEME_DAY"] == (0, 0)


async def test_by_child_sorts_worst_first(api: Api) -> None:
    for key, worse_high in (("STUDY_HOURS_MET", False), ("DEVELOPMENT_OVERDUE", True)):
        data = (await api.data(SORTED, {"k": key, "first": 100}, user="jiangjin_admin"))["cockpit"]
        rates = [next(f["rate"] for f in c["indicators"] if f["key"] == key) for c in kids(data)]
        known = [r for r in rates if r is not None]
        assert known == sorted(known, reverse=worse_high)
        assert rates[: len(known)] == known  # no rate last
        assert len(set(known)) > 1  # the order says something
        # pages of 2 follow the same order, and the cursors belong to this sort only
        names, after, more = [], None, True
        while more:
            page = (
                await api.data(
                    SORTED, {"k": key, "first": 2, "after": after}, user="jiangjin_admin"
                )
            )["cockpit"]["byChild"]
            names += [e["node"]["name"] for e in page["edges"]]
            after, more = page["pageInfo"]["endCursor"], page["pageInfo"]["hasNextPage"]
        assert names == [c["name"] for c in kids(data)]
        assert page["totalCount"] == len(names)
    stranger = await api.post(SORTED, {"first": 2, "after": after}, user="jiangjin_admin")
    assert stranger["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_statements_do_not_grow_with_children_or_months(api: Api) -> None:
    """A street (few children) and the city (every district), a month and a year: the same
    number of statements, once the months' tallies are held (the first read of a month
    computes them, one statement per tallied indicator and month: `tests/test_tally.py`)."""
    counts = []
    for user, period in (
        ("shengquan_admin", "2026-03"),
        ("cq_admin", "2026"),
        ("cq_admin", "2025"),
    ):
        await api.data(COCKPIT, {"p": period}, user=user)
        with counting(api) as statements:
            await api.data(COCKPIT, {"p": period}, user=user)
        counts.append(len(statements))
    assert len(set(counts)) == 1, counts


async def test_saved_queries_export_children_and_months(api: Api) -> None:
    """By district as CSV (one row per district, a column group per indicator) and the trend
    as xlsx (12 rows), with the figures the API gives."""
    data = (await api.data(COCKPIT, {"p": "2026"}, user="cq_admin"))["cockpit"]
    response = await get(api, "/queries/cockpit_by_district?period=2026&format=csv", "cq_admin")
    assert response.status_code == 200, response.text
    table = parse_csv(response.text)
    assert [r["name"] for r in table] == [c["name"] for c in kids(data)]
    first = by_key(kids(data)[0]["indicators"])
    assert int(table[0]["dues.numerator"]) == first["DUES_ON_TIME"][0]
    assert int(table[0]["study.denominator"]) == first["STUDY_HOURS_MET"][1]
    assert int(table[0]["reelection.denominator"]) == first["ON_TIME_REELECTION"][1]
    path = "/queries/cockpit_trend?period=2026&format=xlsx"
    book = workbook((await get(api, path, "jiangjin_admin")).content)
    sheet = list(book["Data"].values)
    header = sheet[0]
    assert len(sheet) == 13 and sheet[1][header.index("month")] == "2026-01"
    assert isinstance(sheet[1][header.index("checkIn.denominator")], int)


BOARDS = """query($o: ID!) { node(id: $o) { ... on Organization {
  developmentBoard { openCases overdueSteps }
  studyBoard(year: 2026) { members met }
  lifeCompliance(period: "2026") { branchMonths branchMonthsWithThemeDay } } } }"""


async def test_the_boards_and_the_cockpit_agree(api: Api) -> None:
    """One definition each: the development, study and 三会一课 boards give the cockpit's
    figures for the same subtree and period."""
    org = await org_gid(api, JIANGJIN)
    boards = (await api.data(BOARDS, {"o": org}, user="jiangjin_admin"))["node"]
    data = (await api.data(COCKPIT, {"u": org, "p": "2026"}, user="jiangjin_admin"))["cockpit"]
    got = by_key(data["indicators"])
    dev, study, life = boards["developmentBoard"], boards["studyBoard"], boards["lifeCompliance"]
    assert got["DEVELOPMENT_OVERDUE"] == (dev["overdueSteps"], dev["openCases"])
    assert got["STUDY_HOURS_MET"] == (study["met"], study["members"])
    assert got["THEME_DAY"] == (life["branchMonthsWithThemeDay"], life["branchMonths"])


async def test_a_late_payment_settles_but_is_not_on_time(writable_api: Api) -> None:
    """Each settlement's `on_time` is fixed by `payDues`: on 25 November 欧丽 pays July to
    October (late: settled, not on time, the cockpit's figure unchanged) and November and
    December (on time, and ahead)."""
    api = writable_api
    member = (await rows(api, "SELECT id FROM member WHERE name = '欧丽'"))[0][0]
    prefix = await path_of(api, JIANGJIN)
    first, end = dt.date(2026, 1, 1), dt.date(2027, 1, 1)
    before = by_key(
        (await api.data(COCKPIT, {"p": "2026"}, user="jiangjin_admin"))["cockpit"]["indicators"]
    )["DUES_ON_TIME"]
    monthly = (
        await rows(
            api,
            "SELECT monthly_payable_fen FROM dues_base WHERE member_id = :m AND year = 2026",
            m=member,
        )
    )[0][0]
    for months in ('"2026-07", "2026-08", "2026-09"', '"2026-10", "2026-11", "2026-12"'):
        await api.data(
            "mutation($m: ID!, $fen: Int!, $k: String!) { payDues(input: {memberId: $m, "
            f"months: [{months}], amountFen: $fen, channel: WECHAT, idempotencyKey: $k}})"
            " { payment { id } } }",
            {"m": to_global_id("Member", member), "fen": monthly * 3, "k": f"ouli-{months}"},
            user="jiangjin_admin",  # the district records: paying ahead needs the branch
        )
    flags = await rows(
        api,
        "SELECT on_time FROM dues_month WHERE member_id = :m AND period BETWEEN :a AND :b"
        " ORDER BY period",
        m=member,
        a=2026 * 12 + 6,
        b=2026 * 12 + 11,
    )
    assert [bool(f) for (f,) in flags] == [False] * 4 + [True] * 2
    after = by_key(
        (await api.data(COCKPIT, {"p": "2026"}, user="jiangjin_admin"))["cockpit"]["indicators"]
    )["DUES_ON_TIME"]
    assert after == before == await dues_on_time(api, prefix, first, end)
