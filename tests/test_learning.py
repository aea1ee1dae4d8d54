"""Learning (学习培训): 石忠's deliveries as his branch sees them, yearly targets at their
boundaries by party post, online sessions credited once (overlaps, replays, progress), an
attended 党课 credited, and the study board's rate against an independent count."""

import asyncio
import datetime as dt

import pytest
from sqlalchemy import text

from domain.learning import MEMBER_TARGET, OFFICER_TARGET, credit, target_minutes, uncovered
from models import PartyPost
from tests.conftest import NOW, Api, stored_year
from tests.test_activity import member_accounts, org_gid, sql
from tests.test_saved_queries import parse_csv
from tests.test_study_totals import assert_totals_exact, refreshed
from tests.test_write import gid

GRID1 = "中共青年塘社区网格第一党支部"
DELIVERIES = """query($o: ID!) { node(id: $o) { ... on Organization { studyDeliveries(first: 20) {
  totalCount edges { node { id deliveredOn content online minutes feedback
    member { name } deliverer { name } } } } } } }"""
HOURS = """query($m: ID!) { node(id: $m) { ... on Member { partyPost studyHours(year: 2026) {
  onlineMinutes offlineMinutes deliveredMinutes trainingMinutes totalMinutes targetMinutes
  remainingMinutes met } } } }"""
MY_HOURS = """{ viewer { member { studyHours { onlineMinutes offlineMinutes totalMinutes }
  studyResources(first: 50) { edges { node { id title minutes } } } } } }"""
BOARD = """query($o: ID!) { node(id: $o) { ... on Organization { studyBoard(year: 2026, first: 100)
  { members met rate belowTarget { minutes targetMinutes remainingMinutes member { name } } }
} } }"""
PAIR = """mutation($in: PairForStudyDeliveryInput!) { pairForStudyDelivery(input: $in) {
  pairing { id member { name } deliverer { name } } } }"""
DELIVER = """mutation($in: RecordStudyDeliveryInput!) { recordStudyDelivery(input: $in) {
  delivery { minutes } } }"""
PROGRESS = """mutation($in: RecordStudyProgressInput!) { recordStudyProgress(input: $in) {
  session { creditedMinutes completed } } }"""
PUBLISH = """mutation($in: PublishStudyResourceInput!) { publishStudyResource(input: $in) {
  resource { id minutes } } }"""


def today_at(hour: int, minute: int = 0) -> str:
    """A moment of the suite's today (business time), before its now (10:00)."""
    return NOW.replace(hour=hour, minute=minute).isoformat()


# ---- rules ---------------------------------------------------------------------------------


def test_targets_by_party_post_in_exact_minutes() -> None:
    assert target_minutes(None) == MEMBER_TARGET == 32 * 60
    assert target_minutes(PartyPost.GROUP_LEADER) == MEMBER_TARGET
    for post in (PartyPost.SECRETARY, PartyPost.DEPUTY_SECRETARY, PartyPost.COMMITTEE_MEMBER):
        assert target_minutes(post) == OFFICER_TARGET == 56 * 60
    assert 31 * 60 + 30 == 1890  # 31.5 hours, exactly


def test_a_session_credits_only_time_not_covered_yet() -> None:
    at = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)

    def h(x: float) -> dt.datetime:
        return at + dt.timedelta(hours=x)

    assert uncovered((h(0), h(2)), []) == 120
    assert uncovered((h(0), h(2)), [(h(1), h(3))]) == 60
    assert uncovered((h(0), h(4)), [(h(1), h(2)), (h(1.5), h(2.5)), (h(3), h(5))]) == 90
    assert uncovered((h(1), h(2)), [(h(0), h(3))]) == 0
    assert credit((h(0), h(2)), [], 45) == 45  # the resource has 45 minutes left to credit
    # a day of overlapping sessions never credits more than the day has
    day = [(h(i), h(i + 6)) for i in range(0, 24, 2)]
    covered: list = []
    total = 0
    for s in day:
        total += uncovered(s, covered)
        covered.append(s)
    assert total == 28 * 60  # the union, 08:00 to 12:00 the next day; not 12 × 6 hours


# ---- 结对送学 -----------------------------------------------------------------------------------


async def test_grid_secretary_sees_shizhong_deliveries_jiangjin_none(api: Api) -> None:
    grid = await org_gid(api, GRID1)
    data = await api.data(DELIVERIES, {"o": grid}, user="qnt_grid1_secretary")
    page = data["node"]["studyDeliveries"]
    assert page["totalCount"] == 6
    nodes = [e["node"] for e in page["edges"]]
    assert {(n["member"]["name"], n["deliverer"]["name"]) for n in nodes} == {("石忠", "程振国")}
    assert all(n["feedback"] and n["online"] and n["minutes"] == 120 for n in nodes)
    theme_days = await sql(
        api,
        "SELECT a.starts_at FROM activity a JOIN organization o ON o.id = a.org_id"
        " WHERE o.name = :n AND a.kind = 'THEME_DAY' AND a.state IN ('HELD', 'RECORDED')"
        " ORDER BY a.starts_at DESC LIMIT 6",
        n=GRID1,
    )
    days = sorted(str(r[0])[:10] for r in theme_days)
    assert sorted(n["deliveredOn"] for n in nodes) == days  # one at each of the last six
    # 江津区 sees neither the branch, nor a delivery, nor any delivery of its own subtree
    assert (await api.data(DELIVERIES, {"o": grid}, user="jiangjin_admin"))["node"] is None
    node = await api.data(
        "query($d: ID!) { node(id: $d) { id } }", {"d": nodes[0]["id"]}, user="jiangjin_admin"
    )
    assert node["node"] is None
    jiangjin = await org_gid(api, "中共重庆市江津区委员会")
    own = await api.data(DELIVERIES, {"o": jiangjin}, user="jiangjin_admin")
    assert own["node"]["studyDeliveries"]["totalCount"] == 0


# ---- targets at their boundaries -----------------------------------------------------------


async def member_gid_where(api: Api, where: str, **params) -> tuple[str, int]:
    rows = await sql(
        api,
        "SELECT m.id FROM member m JOIN organization o ON o.id = m.org_id"
        f" WHERE o.name = :g AND m.status = 'FULL' AND {where} ORDER BY m.id",
        g=GRID1,
        **params,
    )
    return gid("Member", rows[0][0]), rows[0][0]


async def hours_of(api: Api, member: str) -> dict:
    data = await api.data(HOURS, {"m": member}, user="qnt_grid1_secretary")
    return data["node"]["studyHours"]


async def deliver_up_to(api: Api, member: str, total: int, day: list[dt.date]) -> dict:
    """Deliveries (one a day, at most 8 hours each) until `member` has `total` minutes."""
    deliverer = (await member_gid_where(api, "m.party_post = 'SECRETARY'"))[0]
    paired = await api.data(
        PAIR,
        {"in": {"memberId": member, "delivererId": deliverer, "reason": "年老体弱",
                "startedOn": "2026-01-02"}},
        user="qnt_grid1_secretary",
    )  # fmt: skip
    pairing = paired["pairForStudyDelivery"]["pairing"]["id"]
    hours = await hours_of(api, member)
    while (gap := total - hours["totalMinutes"]) > 0:
        when = day.pop()
        await api.data(
            DELIVER,
            {"in": {"pairingId": pairing, "deliveredOn": when.isoformat(), "content": "送学上门",
                    "online": False, "minutes": min(gap, 480)}},
            user="qnt_grid1_secretary",
        )  # fmt: skip
        hours = await hours_of(api, member)
    return hours


async def test_targets_at_31_5_32_and_56_hours(writable_api: Api) -> None:
    api = writable_api
    days = [dt.date(2026, 1, 5) + dt.timedelta(days=i) for i in range(200)]
    member, member_pk = await member_gid_where(api, "m.party_post IS NULL AND m.name <> '石忠'")
    officer, officer_pk = await member_gid_where(api, "m.party_post = 'COMMITTEE_MEMBER'")
    async with api.engine.begin() as conn:  # start both from the theme days alone (< 31.5 h)
        await conn.execute(
            text("DELETE FROM study_session WHERE member_id IN (:a, :b)"),
            {"a": member_pk, "b": officer_pk},
        )
    await refreshed(api, [member_pk, officer_pk], 2026)
    below = await deliver_up_to(api, member, 1890, days)  # 31.5 hours
    assert below["totalMinutes"] == 1890 and below["targetMinutes"] == 1920
    assert (below["met"], below["remainingMinutes"]) == (False, 30)
    met = await deliver_up_to(api, member, 1920, days)
    assert (met["met"], met["remainingMinutes"]) == (True, 0)
    at_32 = await deliver_up_to(api, officer, 1920, days)
    assert at_32["targetMinutes"] == 3360 and not at_32["met"]  # 32 hours: short of 56
    almost = await deliver_up_to(api, officer, 3359, days)
    assert (almost["met"], almost["remainingMinutes"]) == (False, 1)
    assert (await deliver_up_to(api, officer, 3360, days))["met"]
    twice = await api.post(
        DELIVER,
        {"in": {"pairingId": gid("StudyPairing", 1), "deliveredOn": "2026-11-15",
                "content": "重复", "online": True, "minutes": 60}},
        user="qnt_grid1_secretary",
    )  # fmt: skip
    assert twice["errors"][0]["extensions"]["code"] == "CONFLICT"  # one a day per pairing


# ---- online sessions ---------------------------------------------------------------------------


async def test_overlapping_and_replayed_sessions_credit_once(writable_api: Api) -> None:
    api = writable_api
    city = await org_gid(api, "中共重庆市委")
    published = await api.data(
        PUBLISH,
        {"in": {"organizationId": city, "kind": "VIDEO", "category": "理论学习",
                "title": "测试课程", "minutes": 600}},
        user="cq_admin",
    )  # fmt: skip
    resource = published["publishStudyResource"]["resource"]["id"]
    refused = await api.post(
        PUBLISH,
        {"in": {"organizationId": await org_gid(api, GRID1), "kind": "VIDEO", "category": "x",
                "title": "支部不能发布", "minutes": 60}},
        user="qnt_grid1_secretary",
    )  # fmt: skip
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    (user,) = await member_accounts(api, "learner", "m.status = 'FULL'", 1)
    before = (await api.data(MY_HOURS, user=user))["viewer"]["member"]
    assert resource in {e["node"]["id"] for e in before["studyResources"]["edges"]}

    async def report(key: str, start: str, end: str, **more) -> dict:
        values = {"resourceId": resource, "sessionKey": key, "startedAt": start, "endedAt": end}
        return await api.post(PROGRESS, {"in": {**values, **more}}, user=user)

    def credited(body: dict) -> int:
        assert "errors" not in body, body
        return body["data"]["recordStudyProgress"]["session"]["creditedMinutes"]

    assert credited(await report("session-a", today_at(6), today_at(7))) == 60
    assert credited(await report("session-a", today_at(6), today_at(7))) == 60  # replayed
    assert credited(await report("session-b", today_at(6, 30), today_at(8))) == 60  # overlaps
    assert credited(await report("session-c", today_at(6, 10), today_at(6, 50))) == 0  # inside
    assert credited(await report("session-a", today_at(6), today_at(7, 30))) == 60  # covered
    assert credited(await report("session-a", today_at(6), today_at(8, 30), completed=True)) == 90
    reused = await report("session-a", today_at(5), today_at(6))
    assert reused["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    future = await report("session-d", today_at(9), today_at(11))
    assert future["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # five clients at once, each its own session over the same hour: the hour credits once
    at_once = await asyncio.gather(
        *(report(f"parallel-{i}", today_at(3), today_at(4)) for i in range(5))
    )
    assert sum(credited(body) for body in at_once) == 60
    after = (await api.data(MY_HOURS, user=user))["viewer"]["member"]["studyHours"]
    assert after["onlineMinutes"] - before["studyHours"]["onlineMinutes"] == 150 + 60
    trail = await sql(
        api,
        "SELECT COUNT(*) FROM audit_log WHERE operation = 'recordStudyProgress' AND success = :s",
        s=True,
    )
    assert trail[0][0] == 5 + 5  # every report but the replay


# ---- offline: a lecture attended -------------------------------------------------------------


async def test_a_lecture_attended_credits_its_hours(writable_api: Api) -> None:
    api = writable_api
    (user,) = await member_accounts(
        api, "listener", "m.status = 'FULL' AND m.org_path >= :p AND m.org_path < :q", 1,
        **await _range(api, "中共浒溪社区党委"),
    )  # fmt: skip
    before = (await api.data(MY_HOURS, user=user))["viewer"]["member"]["studyHours"]
    member = (await sql(api, "SELECT member_id FROM account WHERE username = :u", u=user))[0][0]
    lecture = await sql(
        api,
        "SELECT a.id FROM activity a JOIN organization o"
        " ON o.id = a.org_id WHERE o.name = '中共浒溪社区党委' AND a.kind = 'PARTY_LECTURE'"
        " AND a.state = 'RECORDED' AND a.starts_at >= :y AND a.id NOT IN (SELECT activity_id"
        " FROM activity_participant WHERE member_id = :m) ORDER BY a.id LIMIT 1",
        y=stored_year(2026)["a"],
        m=member,
    )
    aid = lecture[0][0]
    top = (await sql(api, "SELECT MAX(id) FROM activity_participant"))[0][0]
    async with api.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO activity_participant (id, activity_id, member_id, org_path, status,"
                " signed_in_at) SELECT :i, id, :m, org_path, 'SIGNED_UP', starts_at"
                " FROM activity WHERE id = :a"
            ),
            {"i": top + 1, "m": member, "a": aid},
        )
    await refreshed(api, [member], 2026)
    after = (await api.data(MY_HOURS, user=user))["viewer"]["member"]["studyHours"]
    assert after["offlineMinutes"] - before["offlineMinutes"] == 120  # a two-hour 党课


async def _range(api: Api, name: str) -> dict:
    path = (await sql(api, "SELECT path FROM organization WHERE name = :n", n=name))[0][0]
    return {"p": path, "q": path[:-1] + "0"}


# ---- the board against an independent count -------------------------------------------------


async def independent_minutes(api: Api, path: str) -> dict[int, tuple[int, str | None]]:
    """Each Party member of the subtree: (credited minutes of 2026, party post), summed here
    from the tables one by one (the attendance's durations in Python)."""
    year = stored_year(2026)
    span = {"p": path, "q": path[:-1] + "0", **year}
    members = {
        m: [0, post]
        for m, post in await sql(
            api,
            "SELECT id, party_post FROM member WHERE org_path >= :p AND org_path < :q"
            " AND status IN ('FULL', 'PROBATIONARY')",
            **span,
        )
    }
    parts = [
        "SELECT member_id, credited_minutes FROM study_session WHERE started_at >= :a"
        " AND started_at < :b",
        "SELECT member_id, minutes FROM study_delivery WHERE delivered_on >= '2026-01-01'"
        " AND delivered_on < '2027-01-01'",
        "SELECT e.member_id, e.credited_minutes FROM training_enrolment e JOIN training_class c"
        " ON c.id = e.class_id WHERE c.starts_on >= '2026-01-01' AND c.starts_on < '2027-01-01'",
    ]
    for q in parts:
        for m, minutes in await sql(api, q, **span):
            if m in members:
                members[m][0] += minutes
    for m, starts, ends in await sql(
        api,
        "SELECT p.member_id, a.starts_at, a.ends_at FROM activity_participant p JOIN activity a"
        " ON a.id = p.activity_id WHERE p.signed_in_at IS NOT NULL AND a.state IN ('HELD',"
        " 'RECORDED') AND a.kind IN ('PARTY_LECTURE', 'THEME_DAY', 'GROUP_MEETING')"
        " AND a.starts_at >= :a AND a.starts_at < :b",
        **span,
    ):
        if m in members:
            starts, ends = (dt.datetime.fromisoformat(str(x)) for x in (starts, ends))
            members[m][0] += int((ends - starts).total_seconds()) // 60
    return {m: (v[0], v[1]) for m, v in members.items()}


@pytest.mark.parametrize(
    ("user", "org"),
    [("qnt_grid1_secretary", GRID1), ("jiangjin_admin", "中共重庆市江津区委员会")],
)
async def test_board_rate_matches_an_independent_count(api: Api, user: str, org: str) -> None:
    path = (await sql(api, "SELECT path FROM organization WHERE name = :n", n=org))[0][0]
    counted = await independent_minutes(api, path)
    target = {m: target_minutes(PartyPost[p] if p else None) for m, (_, p) in counted.items()}
    met = sum(1 for m, (minutes, _) in counted.items() if minutes >= target[m])
    board = (await api.data(BOARD, {"o": await org_gid(api, org)}, user=user))["node"]
    board = board["studyBoard"]
    assert board["members"] == len(counted)
    assert board["met"] == met
    assert board["rate"] == pytest.approx(met / len(counted))
    assert 0 < met < len(counted)  # a realistic spread: some meet it, some do not
    below = board["belowTarget"]
    remaining = [b["remainingMinutes"] for b in below]
    assert remaining == sorted(remaining, reverse=True) and remaining[0] > 0  # worst first
    worst = max(target[m] - minutes for m, (minutes, _) in counted.items())
    assert remaining[0] == worst


async def test_shizhong_hours_include_the_deliveries(api: Api) -> None:
    rows = await sql(api, "SELECT id FROM member WHERE name = '石忠'")
    hours = await api.data(HOURS, {"m": gid("Member", rows[0][0])}, user="qnt_grid1_secretary")
    studied = hours["node"]["studyHours"]
    assert studied["deliveredMinutes"] == 6 * 120
    assert studied["offlineMinutes"] == 0  # away on leave at every 主题党日


async def test_saved_queries_export_deliveries_and_the_board(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token('qnt_grid1_secretary')}"}
    grid = await org_gid(api, GRID1)
    listed = await api.client.get(
        f"/queries/study_deliveries?org={grid}&format=csv", headers=headers
    )
    rows = parse_csv(listed.text)
    assert len(rows) == 6 and {r["member.name"] for r in rows} == {"石忠"}
    assert all(r["feedback"] for r in rows)
    board = await api.client.get(f"/queries/study_board?org={grid}&year=2026", headers=headers)
    figures = board.json()["data"]["organization"]["studyBoard"]
    assert figures["members"] > 0 and 0 <= figures["rate"] <= 1


OPEN_CLASS = """mutation($in: OpenTrainingClassInput!) { openTrainingClass(input: $in) {
  trainingClass { id topics enrolled } } }"""
ENROL = """mutation($c: ID!, $m: ID!) { enrolInTrainingClass(input: {classId: $c, memberId: $m})
  { trainingClass { enrolled } } }"""
ATTEND = """mutation($c: ID!, $m: ID!, $n: Int!) {
  recordTrainingAttendance(input: {classId: $c, memberId: $m, minutes: $n}) {
  trainingClass { enrolled } } }"""


async def test_street_class_enrols_committee_members_and_credits_attendance(
    writable_api: Api,
) -> None:
    api = writable_api
    street = await org_gid(api, "中共李家沱街道党工委")
    plan = {
        "organizationId": street,
        "title": "2026年冬训班",
        "topics": ["党务基础", "基层治理", "乡村振兴"],
        "startsOn": "2026-11-20",
        "endsOn": "2026-11-22",
        "minutes": 1440,
    }
    at_branch = await api.post(
        OPEN_CLASS,
        {"in": {**plan, "organizationId": await org_gid(api, GRID1)}},
        user="banan_admin",
    )
    assert at_branch["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    opened = await api.data(OPEN_CLASS, {"in": plan}, user="banan_admin")
    klass = opened["openTrainingClass"]["trainingClass"]
    assert klass["topics"] == ["党务基础", "基层治理", "乡村振兴"] and klass["enrolled"] == 0
    secretary = (await member_gid_where(api, "m.name = '程振国'"))[0]
    plain = (await member_gid_where(api, "m.party_post IS NULL"))[0]
    before = await hours_of(api, secretary)
    enrolled = await api.data(ENROL, {"c": klass["id"], "m": secretary}, user="banan_admin")
    assert enrolled["enrolInTrainingClass"]["trainingClass"]["enrolled"] == 1
    again = await api.data(ENROL, {"c": klass["id"], "m": secretary}, user="banan_admin")
    assert again["enrolInTrainingClass"]["trainingClass"]["enrolled"] == 1  # no change
    not_officer = await api.post(ENROL, {"c": klass["id"], "m": plain}, user="banan_admin")
    assert "secretaries and committee members" in not_officer["errors"][0]["message"]
    elsewhere = await api.post(ENROL, {"c": klass["id"], "m": secretary}, user="jiangjin_admin")
    assert elsewhere["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    too_much = await api.post(
        ATTEND, {"c": klass["id"], "m": secretary, "n": 2000}, user="banan_admin"
    )
    assert too_much["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    await api.data(ATTEND, {"c": klass["id"], "m": secretary, "n": 960}, user="banan_admin")
    after = await hours_of(api, secretary)
    assert after["trainingMinutes"] - before["trainingMinutes"] == 960
    assert after["targetMinutes"] == OFFICER_TARGET


async def test_the_totals_stay_exact(writable_api: Api) -> None:
    """After this module's writes, every maintained total equals its credits."""
    await assert_totals_exact(writable_api.engine)
