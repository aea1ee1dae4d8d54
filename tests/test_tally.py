"""The cockpit's maintained counts (`resolvers/tally.py`): the tallied indicators read from
`cockpit_tally`, and a reversal, a check-in's end and a subtree move (which moves members'
study figures too), each marked by the triggers, show on the next cockpit read, equal to the
independent SQL of test_cockpit."""

import datetime as dt
import uuid

from domain.calendar import Period
from resolvers.tally import Span, stands, tally_months
from tests.conftest import Api
from tests.test_cockpit import (
    BANAN,
    CITY,
    COCKPIT,
    JIANGJIN,
    TODAY,
    by_key,
    check_in,
    dues_on_time,
    kids,
    path_of,
    rows,
    study,
    theme_day,
    volunteer,
)
from tests.test_dues import gid

YEAR = (dt.date(2026, 1, 1), dt.date(2027, 1, 1))
TALLIED = ("DUES_ON_TIME", "CHECK_IN", "THEME_DAY", "STUDY_HOURS_MET")
MONTH = (dt.date(2026, 11, 1), dt.date(2026, 12, 1))  # under way: it stands on today
REVERSE = """mutation($id: ID!, $k: String!) { reverseDuesPayment(input: {paymentId: $id,
  reason: "重复缴纳", idempotencyKey: $k}) { payment { kind } } }"""
END = "mutation($id: ID!) { endCheckIn(input: {checkInId: $id}) { checkIn { status } } }"
MOVE = """mutation($o: ID!, $p: ID!) { moveOrganization(input: {organizationId: $o,
  newParentId: $p}) { organization { id } } }"""


def test_months_make_a_period_only_when_whole() -> None:
    year = Period(*YEAR)
    assert tally_months(Span.ADDITIVE, year) == [dt.date(2026, m, 1) for m in range(1, 13)]
    assert tally_months(Span.LAST_MONTH, year) == [dt.date(2026, 12, 1)]
    odd = Period(dt.date(2026, 1, 5), dt.date(2026, 3, 1))
    assert tally_months(Span.ADDITIVE, odd) is None
    assert tally_months(Span.LAST_MONTH, odd) == [dt.date(2026, 2, 1)]
    assert tally_months(Span.YEAR, odd) == [dt.date(2026, 1, 1)]  # whatever the period
    assert tally_months(Span.ONE_MONTH, year) is None
    assert tally_months(Span.LAST_MONTH, Period(dt.date(2026, 1, 1), dt.date(2026, 1, 9))) is None
    assert tally_months(Span.ADDITIVE, Period(dt.date(2020, 1, 1), dt.date(2026, 1, 1))) is None
    # a month under way stands on the day; once ended, on nothing
    assert stands(dt.date(2026, 10, 1), TODAY) == "closed"
    assert stands(dt.date(2026, 11, 1), TODAY) == TODAY.isoformat()


async def figures(api: Api, user: str) -> tuple[dict, dict[str, dict]]:
    data = (await api.data(COCKPIT, {"p": "2026"}, user=user))["cockpit"]
    return by_key(data["indicators"]), {c["name"]: by_key(c["indicators"]) for c in kids(data)}


async def independent(api: Api, name: str) -> dict[str, tuple[int, int]]:
    prefix = await path_of(api, name)
    return {
        "DUES_ON_TIME": await dues_on_time(api, prefix, *YEAR),
        "CHECK_IN": await check_in(api, prefix, TODAY),
        "THEME_DAY": await theme_day(api, prefix, *YEAR),
        "STUDY_HOURS_MET": await study(api, prefix),
    }


async def assert_exact(api: Api) -> tuple[dict, dict]:
    """The city's and 江津's tallied figures, and the city's 江津 and 巴南 rows, as SQL has
    them; no mark left after the reads."""
    city, districts = await figures(api, "cq_admin")
    jiangjin, _ = await figures(api, "jiangjin_admin")
    for got, name in ((city, CITY), (jiangjin, JIANGJIN), (districts[JIANGJIN], JIANGJIN)):
        want = await independent(api, name)
        assert {k: got[k] for k in TALLIED} == want, name
    want = await independent(api, BANAN)
    assert {k: districts[BANAN][k] for k in TALLIED} == want
    # VOLUNTEER_HOURS_MET is tallied for one month: the trend's
    trend = (await api.data(COCKPIT, {"p": "2026-11"}, user="cq_admin"))["cockpit"]["trend"]
    november = by_key(trend["edges"][-1]["node"]["indicators"])["VOLUNTEER_HOURS_MET"]
    assert november == await volunteer(api, await path_of(api, CITY), *MONTH)
    assert await rows(api, "SELECT key, path FROM cockpit_dirty") == []
    return city, districts


async def marked(api: Api) -> set[str]:
    return {k for (k,) in await rows(api, "SELECT DISTINCT key FROM cockpit_dirty")}


async def test_the_cockpit_reads_tallies_kept_fresh(writable_api: Api) -> None:
    api = writable_api
    city, districts = await assert_exact(api)
    held = await rows(api, "SELECT key, month, stands FROM cockpit_tally_month")
    # the month under way stands on today, and volunteer hours on their target too
    volunteer_month = ("VOLUNTEER_HOURS_MET", "2026-11-01", f"{TODAY.isoformat()} 50.0")
    assert volunteer_month in {(k, str(m)[:10], st) for k, m, st in held}
    dues = {m for k, m, _ in held if k == "DUES_ON_TIME"}
    assert {str(m)[:10] for m in dues} >= {f"2026-{m:02d}-01" for m in range(1, 13)}
    assert ("CHECK_IN", TODAY.replace(day=1).isoformat()) in {(k, str(m)[:10]) for k, m, _ in held}
    # a reversal of a month paid on time (a settlement voided)
    (payment,) = (
        await rows(
            api,
            "SELECT payment_id FROM dues_month WHERE on_time = :t AND voided_by IS NULL"
            " AND period BETWEEN :a AND :b AND org_path LIKE :p ORDER BY id LIMIT 1",
            t=True,
            a=2026 * 12,
            b=2026 * 12 + 9,
            p=await path_of(api, JIANGJIN) + "%",
        )
    )[0]
    await api.data(
        REVERSE, {"id": gid("DuesPayment", payment), "k": str(uuid.uuid4())}, user="jiangjin_admin"
    )
    assert "DUES_ON_TIME" in await marked(api)
    city2, _ = await assert_exact(api)
    assert city2["DUES_ON_TIME"][0] < city["DUES_ON_TIME"][0]
    # a check-in's end (today: no longer in force on the month's day)
    ((check_in_id, username),) = await rows(
        api,
        "SELECT c.id, a.username FROM check_in c JOIN account a ON a.member_id = c.member_id"
        " JOIN member m ON m.id = c.member_id WHERE c.ended_on IS NULL AND c.reported_on < :d"
        " AND m.standing = 'ACTIVE' AND m.employer_org_id IS NOT NULL ORDER BY c.id LIMIT 1",
        d=TODAY,
    )
    await api.data(END, {"id": gid("CheckIn", check_in_id)}, user=username)
    assert "CHECK_IN" in await marked(api)
    city3, _ = await assert_exact(api)
    assert city3["CHECK_IN"] == (city2["CHECK_IN"][0] - 1, city2["CHECK_IN"][1])
    # a street of 江津 moves to 巴南: both districts' figures follow, the city's stay
    by_name = dict(await rows(api, "SELECT name, id FROM organization"))
    await api.data(
        MOVE,
        {
            "o": gid("Organization", by_name["中共圣泉街道党工委"]),
            "p": gid("Organization", by_name[BANAN]),
        },
        user="cq_admin",
    )
    assert await marked(api) >= set(TALLIED)
    city4, districts4 = await assert_exact(api)
    assert {k: city4[k] for k in TALLIED} == {k: city3[k] for k in TALLIED}
    assert districts4[BANAN]["DUES_ON_TIME"][1] > districts[BANAN]["DUES_ON_TIME"][1]
