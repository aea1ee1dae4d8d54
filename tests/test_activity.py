"""Organisational life: publishing for an audience (浒溪社区's checked-in members included),
taking part (sign-up under concurrency, leave, the rotating sign-in code), records, and the
三会一课 board against an independent count in SQL."""

import asyncio
import base64
import datetime as dt

from sqlalchemy import text

from models.base import as_stored
from tests.conftest import NOW, Api
from tests.test_saved_queries import parse_csv
from tests.test_statement_count import counting
from tests.test_write import gid

PUBLISH = """mutation($in: PublishActivityInput!) { publishActivity(input: $in) {
  activity { id state version signedUp capacity organization { name } } } }"""
SIGN_UP = """mutation($a: ID!) { signUpForActivity(input: {activityId: $a}) {
  activity { signedUp placesLeft myParticipation { status attendance } } } }"""
NODE = """query($a: ID!) { node(id: $a) { ... on Activity { id title state version signedUp
  signInCode { code validUntil } myParticipation { status attendance }
  attendanceSummary { signedUp leaveRequested present excused absent }
  attendance(first: 100) { totalCount edges { node { status attendance member { name } } } }
} } }"""
UPCOMING = """{ viewer { member { activities(which: UPCOMING, first: 100) {
  edges { node { id title organization { name } } } } } } }"""
SIGN_IN = """mutation($a: ID!, $c: String!) { signInToActivity(input: {activityId: $a, code: $c})
  { activity { myParticipation { attendance } } } }"""


def at(minutes: int) -> str:
    """A moment `minutes` after the suite's now, as the API reads it."""
    return (NOW + dt.timedelta(minutes=minutes)).isoformat()


async def sql(api: Api, query: str, **params) -> list:
    async with api.engine.connect() as conn:
        return list(await conn.execute(text(query), params))


async def org_gid(api: Api, name: str) -> str:
    rows = await sql(api, "SELECT id FROM organization WHERE name = :n", n=name)
    return gid("Organization", rows[0][0])


def pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


async def publish(api: Api, user: str = "huxi_secretary", org: str = "中共浒溪社区党委", **over):
    values = {
        "organizationId": await org_gid(api, org),
        "type": "VOLUNTEER",
        "title": "浒溪社区“双报到”党员志愿服务日",
        "place": "浒溪社区党群服务中心",
        "startsAt": at(60 * 24 * 5),
        "endsAt": at(60 * 24 * 5 + 120),
        "includeCheckedIn": True,
        **over,
    }
    data = await api.data(PUBLISH, {"in": values}, user=user)
    return data["publishActivity"]["activity"]


async def member_accounts(api: Api, names: str, where: str, n: int, **params) -> list[str]:
    """`n` accounts for members chosen by `where`, each with the self role at its branch."""
    rows = await sql(
        api,
        f"SELECT m.id, m.org_id FROM member m WHERE ({where}) AND m.id NOT IN"
        f" (SELECT member_id FROM account WHERE member_id IS NOT NULL) ORDER BY m.id LIMIT {n}",
        **params,
    )
    top = (await sql(api, "SELECT MAX(id) FROM account"))[0][0]
    grants = (await sql(api, "SELECT MAX(id) FROM role_grant"))[0][0]
    users = []
    async with api.engine.begin() as conn:
        for i, (member, org) in enumerate(rows, start=1):
            user = f"{names}_{i}"
            await conn.execute(
                text(
                    "INSERT INTO account (id, username, member_id, display_name, active,"
                    " token_version) VALUES (:i, :u, :m, :u, :t, 1)"
                ),
                {"i": top + i, "u": user, "m": member, "t": True},
            )
            await conn.execute(
                text(
                    "INSERT INTO role_grant (id, account_id, role, org_id)"
                    " VALUES (:g, :i, 'member', :o)"
                ),
                {"g": grants + i, "i": top + i, "o": org},
            )
            users.append(user)
    return users


HUXI_AUDIENCE = """(m.org_path >= :p AND m.org_path < :q) OR m.id IN (SELECT member_id FROM
  check_in WHERE community_path = :p AND status = 'ACTIVE')"""


async def huxi_range(api: Api) -> dict:
    path = (await sql(api, "SELECT path FROM organization WHERE name = '中共浒溪社区党委'"))[0][0]
    return {"p": path, "q": path[:-1] + "0"}


async def audited(api: Api, operation: str, target: str) -> int:
    rows = await sql(
        api,
        "SELECT COUNT(*) FROM audit_log WHERE operation = :o AND target = :t AND success = :s",
        o=operation,
        t=target,
        s=True,
    )
    return rows[0][0]


async def test_huxi_publishes_ouli_signs_up_banan_cannot_see(writable_api: Api) -> None:
    api = writable_api
    activity = await publish(api, capacity=30)
    assert activity["state"] == "PUBLISHED" and activity["signedUp"] == 0
    a = activity["id"]
    upcoming = await api.data(UPCOMING, user="ouli")
    listed = upcoming["viewer"]["member"]["activities"]["edges"]
    assert a in {e["node"]["id"] for e in listed}  # 欧丽: checked in at 浒溪, her branch elsewhere
    signed = await api.data(SIGN_UP, {"a": a}, user="ouli")
    assert signed["signUpForActivity"]["activity"] == {
        "signedUp": 1,
        "placesLeft": 29,
        "myParticipation": {"status": "SIGNED_UP", "attendance": "EXPECTED"},
    }
    again = await api.data(SIGN_UP, {"a": a}, user="ouli")  # no second place
    assert again["signUpForActivity"]["activity"]["signedUp"] == 1
    withdrawn = await api.data(
        """mutation($a: ID!) { cancelActivitySignUp(input: {activityId: $a}) {
        activity { signedUp myParticipation { status attendance } } } }""",
        {"a": a},
        user="ouli",
    )
    assert withdrawn["cancelActivitySignUp"]["activity"] == {
        "signedUp": 0,
        "myParticipation": {"status": "CANCELLED", "attendance": None},
    }
    assert await audited(api, "cancelActivitySignUp", a) == 1
    await api.data(SIGN_UP, {"a": a}, user="ouli")  # and back: a place again
    seen = await api.data(NODE, {"a": a}, user="ouli")
    assert seen["node"]["signedUp"] == 1
    assert seen["node"]["attendance"]["totalCount"] == 1  # her own part only
    assert seen["node"]["signInCode"] is None
    for outsider in ("banan_admin", "dujuan"):
        assert (await api.data(NODE, {"a": a}, user=outsider))["node"] is None
        refused = await api.post(SIGN_UP, {"a": a}, user=outsider)
        assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await audited(api, "publishActivity", a) == 1
    assert await audited(api, "signUpForActivity", a) == 2
    drafted = await publish(api, draft=True, title="草稿")
    assert drafted["state"] == "DRAFT"
    assert (await api.data(NODE, {"a": drafted["id"]}, user="ouli"))["node"] is None
    admin = await api.data(NODE, {"a": drafted["id"]}, user="jiangjin_admin")
    assert admin["node"]["state"] == "DRAFT"  # the organiser's side sees drafts


async def test_a_branch_activity_reaches_its_own_members_only(writable_api: Api) -> None:
    api = writable_api
    activity = await publish(
        api, user="qnt_grid1_secretary", org="中共青年塘社区网格第一党支部", audience="MEMBERS",
        includeCheckedIn=False, type="THEME_DAY", title="12月主题党日",
    )  # fmt: skip
    assert (await api.data(NODE, {"a": activity["id"]}, user="ouli"))["node"] is None
    refused = await api.post(
        PUBLISH,
        {"in": {"organizationId": await org_gid(api, "中共青年塘社区网格第一党支部"),
                "type": "OTHER", "title": "x", "place": "x", "startsAt": at(60),
                "endsAt": at(120), "includeCheckedIn": True}},
        user="qnt_grid1_secretary",
    )  # fmt: skip
    assert "only a community or village" in refused["errors"][0]["message"]
    outside = await api.post(
        PUBLISH,
        {"in": {"organizationId": await org_gid(api, "中共浒溪社区党委"), "type": "OTHER",
                "title": "x", "place": "x", "startsAt": at(60), "endsAt": at(120)}},
        user="banan_admin",
    )  # fmt: skip
    assert outside["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_hundred_concurrent_sign_ups_take_thirty_places(writable_api: Api) -> None:
    """Real concurrent requests, each its own session: the conditional UPDATE of the counter
    lets exactly 30 through, on SQLite and PostgreSQL."""
    api = writable_api
    users = await member_accounts(api, "huxi_crowd", HUXI_AUDIENCE, 100, **await huxi_range(api))
    assert len(users) == 100
    activity = await publish(api, capacity=30, title="限额30人的志愿服务")
    bodies = await asyncio.gather(
        *(api.post(SIGN_UP, {"a": activity["id"]}, user=u) for u in users)
    )
    ok = [b for b in bodies if "errors" not in b]
    full = [b for b in bodies if "errors" in b]
    assert len(ok) == 30, [b["errors"] for b in full][:3]
    assert {b["errors"][0]["message"] for b in full} == {"the activity is full"}
    stored = await sql(
        api,
        "SELECT a.signed_up, (SELECT COUNT(*) FROM activity_participant p WHERE"
        " p.activity_id = a.id AND p.status = 'SIGNED_UP') FROM activity a WHERE a.id = :a",
        a=pk(activity["id"]),
    )
    assert tuple(stored[0]) == (30, 30)
    assert await audited(api, "signUpForActivity", activity["id"]) == 30


async def test_rotating_code_signs_in_one_account_inside_the_window(writable_api: Api) -> None:
    api = writable_api
    [neighbour] = await member_accounts(
        api, "huxi_neighbour", f"({HUXI_AUDIENCE}) AND m.name != '欧丽'", 1, **await huxi_range(api)
    )
    now = await publish(api, startsAt=at(10), endsAt=at(130), title="正在进行的志愿服务")
    later = await publish(api, title="明天的志愿服务", startsAt=at(60 * 24), endsAt=at(60 * 25))
    for a in (now, later):
        await api.data(SIGN_UP, {"a": a["id"]}, user="ouli")
    screen = (await api.data(NODE, {"a": now["id"]}, user="huxi_secretary"))["node"]
    code = screen["signInCode"]["code"]
    assert len(code) == 6
    assert (await api.data(NODE, {"a": later["id"]}, user="huxi_secretary"))["node"][
        "signInCode"
    ] is None  # not yet: from 30 minutes before the start
    wrong = await api.post(SIGN_IN, {"a": now["id"], "c": "000000" if code != "000000" else "1"},
                           user="ouli")  # fmt: skip
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    signed = await api.data(SIGN_IN, {"a": now["id"], "c": code}, user="ouli")
    assert signed["signInToActivity"]["activity"]["myParticipation"]["attendance"] == "PRESENT"
    reused = await api.post(SIGN_IN, {"a": now["id"], "c": code}, user=neighbour)
    assert "read the screen again" in reused["errors"][0]["message"]  # one code, one account
    fresh = (await api.data(NODE, {"a": now["id"]}, user="huxi_secretary"))["node"]["signInCode"]
    assert fresh["code"] != code
    await api.data(SIGN_IN, {"a": now["id"], "c": fresh["code"]}, user=neighbour)
    outside = await api.post(SIGN_IN, {"a": later["id"], "c": code}, user="ouli")
    assert "30 minutes before the start" in outside["errors"][0]["message"]
    summary = (await api.data(NODE, {"a": now["id"]}, user="huxi_secretary"))["node"]
    assert summary["attendanceSummary"]["present"] == 2
    mine = await api.data(
        """{ viewer { member { attended: activities(which: ATTENDED) { edges { node { id } } }
        signedUp: activities(which: SIGNED_UP) { edges { node { id } } } } } }""",
        user="ouli",
    )
    lists = mine["viewer"]["member"]
    assert now["id"] in {e["node"]["id"] for e in lists["attended"]["edges"]}
    assert later["id"] in {e["node"]["id"] for e in lists["signedUp"]["edges"]}
    assert await audited(api, "signInToActivity", now["id"]) == 2


LEAVE = """mutation($a: ID!) { requestActivityLeave(input: {activityId: $a, reason: "出差"}) {
  activity { myParticipation { status } } } }"""
DECIDE = """mutation($a: ID!, $m: ID!, $ok: Boolean!) { decideActivityLeave(input: {
  activityId: $a, memberId: $m, approve: $ok}) { activity { signedUp } } }"""
HELD = """mutation($a: ID!, $v: Int!) { markActivityHeld(input: {activityId: $a,
  expectedVersion: $v}) { activity { state version } } }"""
RECORD = """mutation($a: ID!, $v: Int!, $l: ID) { recordActivity(input: {activityId: $a,
  expectedVersion: $v, minutes: "学习了二十届四中全会精神", lecturerId: $l,
  photos: ["https://img.example/huxi/1.jpg", "oss://activity/2.jpg"]}) {
  activity { state version minutes photos lecturer { name } } } }"""
UPDATE = """mutation($a: ID!, $v: Int!) { updateActivity(input: {activityId: $a,
  expectedVersion: $v, place: "浒溪社区新时代文明实践站"}) { activity { place version } } }"""
CANCEL = """mutation($a: ID!, $v: Int!) { cancelActivity(input: {activityId: $a,
  expectedVersion: $v, reason: "暴雨预警"}) { activity { state cancelReason } } }"""


async def member_gid(api: Api, name: str) -> str:
    return gid("Member", (await sql(api, "SELECT id FROM member WHERE name = :n", n=name))[0][0])


async def test_leave_records_versions_and_attendance(writable_api: Api) -> None:
    api = writable_api
    activity = await publish(
        api, type="PARTY_LECTURE", title="社区大党课", startsAt=at(5), endsAt=at(95), capacity=10
    )
    a = activity["id"]
    await api.data(SIGN_UP, {"a": a}, user="ouli")
    await api.data(LEAVE, {"a": a}, user="ouli")
    await api.data(LEAVE, {"a": a}, user="huxi_secretary")
    own = await api.post(
        DECIDE, {"a": a, "m": await member_gid(api, "殷江洪"), "ok": True}, user="huxi_secretary"
    )
    assert own["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # 回避
    decided = await api.data(
        DECIDE, {"a": a, "m": await member_gid(api, "欧丽"), "ok": True}, user="huxi_secretary"
    )
    assert decided["decideActivityLeave"]["activity"]["signedUp"] == 0  # her place is free
    retried = await api.data(
        DECIDE, {"a": a, "m": await member_gid(api, "欧丽"), "ok": True}, user="huxi_secretary"
    )
    assert retried["decideActivityLeave"]["activity"]["signedUp"] == 0  # a retry: no change
    changed = await api.post(
        DECIDE, {"a": a, "m": await member_gid(api, "欧丽"), "ok": False}, user="huxi_secretary"
    )
    assert "no leave request waiting" in changed["errors"][0]["message"]
    stale = await api.post(UPDATE, {"a": a, "v": activity["version"] + 5}, user="huxi_secretary")
    assert stale["errors"][0]["extensions"]["code"] == "CONFLICT"
    updated = await api.data(UPDATE, {"a": a, "v": activity["version"]}, user="huxi_secretary")
    version = updated["updateActivity"]["activity"]["version"]
    assert version == activity["version"] + 1
    early = await api.post(HELD, {"a": a, "v": version}, user="huxi_secretary")
    assert "before it starts" in early["errors"][0]["message"]
    refused = await api.post(RECORD, {"a": a, "v": version}, user="ouli")
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # the lecture starts in five minutes: held and recorded once the clock has moved on
    await _start_before_now(api, pk(a))
    held = await api.data(HELD, {"a": a, "v": version}, user="huxi_secretary")
    assert held["markActivityHeld"]["activity"]["state"] == "HELD"
    v = held["markActivityHeld"]["activity"]["version"]
    lecturer = await member_gid(api, "殷江洪")
    recorded = await api.data(RECORD, {"a": a, "v": v, "l": lecturer}, user="huxi_secretary")
    assert recorded["recordActivity"]["activity"]["state"] == "RECORDED"
    assert recorded["recordActivity"]["activity"]["lecturer"]["name"] == "殷江洪"
    assert len(recorded["recordActivity"]["activity"]["photos"]) == 2
    summary = (await api.data(NODE, {"a": a}, user="huxi_secretary"))["node"]
    assert summary["attendanceSummary"]["excused"] == 1  # 欧丽
    assert summary["attendanceSummary"]["absent"] == 1  # 殷江洪 asked, nobody decided
    late = await api.post(CANCEL, {"a": a, "v": v + 1}, user="huxi_secretary")
    assert "cannot become cancelled" in late["errors"][0]["message"]
    other = await publish(api, title="改期的活动")
    cancelled = await api.data(CANCEL, {"a": other["id"], "v": 1}, user="huxi_secretary")
    assert cancelled["cancelActivity"]["activity"] == {
        "state": "CANCELLED",
        "cancelReason": "暴雨预警",
    }
    for op in ("updateActivity", "markActivityHeld", "recordActivity", "decideActivityLeave"):
        assert await audited(api, op, a) == 1, op
    assert await audited(api, "requestActivityLeave", a) == 2
    assert await audited(api, "cancelActivity", other["id"]) == 1


async def _start_before_now(api: Api, activity: int) -> None:
    """Move the activity's start ten minutes before the suite's now (the clock is pinned)."""
    async with api.engine.begin() as conn:
        await conn.execute(
            text("UPDATE activity SET starts_at = :s WHERE id = :a"),
            {"s": as_stored(NOW - dt.timedelta(minutes=10)), "a": activity},
        )


BOARD = """query($org: ID!, $period: String) { organization(id: $org) {
  lifeCompliance(period: $period) { periodStart periodEnd branches branchesMissing
    branchMonths branchMonthsWithThemeDay themeDayRate
    rules { type cycleMonths bySecretary due held missed }
    byChild { organization { name } branches branchesMissing themeDayRate } } } }"""


def month_of(dialect: str) -> str:
    """The business month (UTC+8) of a stored moment, as YYYY-MM, in the dialect's SQL."""
    if dialect == "sqlite":
        return "strftime('%Y-%m', datetime(a.starts_at, '+8 hours'))"
    return "to_char(a.starts_at + interval '8 hours', 'YYYY-MM')"


async def test_jiangjin_board_matches_an_independent_count(api: Api) -> None:
    """Branches, branch-months and theme days of 江津 for 2026 (January to October are due on
    2026-11-25), counted here in plain SQL."""
    path = (await sql(api, "SELECT path FROM organization WHERE name = '中共重庆市江津区委员会'"))[
        0
    ][0]
    sub = {"p": path, "q": path[:-1] + "0"}
    branches = (
        await sql(
            api,
            "SELECT COUNT(*) FROM organization WHERE level = 'BRANCH' AND path >= :p AND path < :q",
            **sub,
        )
    )[0][0]
    month = month_of(api.engine.dialect.name)
    themed = (
        await sql(
            api,
            f"SELECT COUNT(*) FROM (SELECT DISTINCT a.org_id, {month} AS m FROM activity a"
            " JOIN organization o ON o.id = a.org_id WHERE o.level = 'BRANCH'"
            " AND o.path >= :p AND o.path < :q AND a.kind = 'THEME_DAY'"
            " AND a.state IN ('HELD', 'RECORDED')) t WHERE t.m >= '2026-01' AND t.m <= '2026-10'",
            **sub,
        )
    )[0][0]
    lectures = (
        await sql(
            api,
            f"SELECT COUNT(DISTINCT a.org_id) FROM activity a JOIN organization o ON"
            " o.id = a.org_id WHERE o.level = 'BRANCH' AND o.path >= :p AND o.path < :q"
            f" AND a.kind = 'PARTY_LECTURE' AND a.state IN ('HELD', 'RECORDED')"
            f" AND {month} >= '2026-01' AND {month} <= '2026-06'",
            **sub,
        )
    )[0][0]
    org = await org_gid(api, "中共重庆市江津区委员会")
    with counting(api) as statements:
        data = await api.data(BOARD, {"org": org, "period": "2026"}, user="jiangjin_admin")
    board = data["organization"]["lifeCompliance"]
    assert branches > 50 and board["branches"] == branches
    assert board["branchMonths"] == branches * 10
    assert board["branchMonthsWithThemeDay"] == themed
    assert abs(board["themeDayRate"] - themed / (branches * 10)) < 1e-9
    assert 0.5 < board["themeDayRate"] < 1  # realistic gaps
    rules = {(r["type"], r["cycleMonths"], r["bySecretary"]): r for r in board["rules"]}
    assert rules[("PARTY_LECTURE", 6, False)] == {
        "type": "PARTY_LECTURE",
        "cycleMonths": 6,
        "bySecretary": False,
        "due": branches,
        "held": lectures,
        "missed": branches - lectures,
    }  # fmt: skip  (one half-year due: January to June)
    assert rules[("LIFE_MEETING", 12, False)]["due"] == 0  # 2026 has not ended
    assert sum(c["branches"] for c in board["byChild"]) == branches
    shares = [c["branchesMissing"] / c["branches"] for c in board["byChild"]]
    assert shares == sorted(shares, reverse=True)  # worst first
    assert len(statements) <= 6  # the board is one statement, whatever the branches
    banan = await api.data(BOARD, {"org": org, "period": "2026"}, user="banan_admin")
    assert banan["organization"] is None


async def test_grid_branch_holds_a_theme_day_every_month(api: Api) -> None:
    org = await org_gid(api, "中共青年塘社区网格第一党支部")
    data = await api.data(BOARD, {"org": org, "period": "2026"}, user="qnt_grid1_secretary")
    board = data["organization"]["lifeCompliance"]
    assert (board["branches"], board["themeDayRate"]) == (1, 1.0)
    history = await sql(
        api,
        "SELECT COUNT(*), SUM(CASE WHEN p.status = 'LEAVE_APPROVED' THEN 1 ELSE 0 END)"
        " FROM activity a JOIN organization o ON o.id = a.org_id JOIN activity_participant p"
        " ON p.activity_id = a.id JOIN member m ON m.id = p.member_id"
        " WHERE o.name = '中共青年塘社区网格第一党支部' AND a.kind = 'THEME_DAY'"
        " AND m.name = '石忠'",
    )
    assert history[0][0] >= 12 and history[0][0] == history[0][1]  # away on leave, every month


async def test_huxi_activities_reach_its_checked_in_members(api: Api) -> None:
    huxi = await sql(
        api,
        "SELECT COUNT(DISTINCT p.member_id) FROM activity_participant p JOIN activity a ON"
        " a.id = p.activity_id JOIN organization o ON o.id = a.org_id JOIN check_in c ON"
        " c.member_id = p.member_id AND c.community_id = o.id WHERE o.name = '中共浒溪社区党委'",
    )
    assert huxi[0][0] >= 40
    listed = await api.data(UPCOMING, user="ouli")
    names = {
        e["node"]["organization"]["name"] for e in listed["viewer"]["member"]["activities"]["edges"]
    }
    assert "中共浒溪社区党委" in names


async def test_saved_queries_export_branches_and_attendance_as_csv(api: Api) -> None:
    """A month's theme-day compliance, one row per branch of the district; the attendance of
    浒溪社区's activities."""
    path = (await sql(api, "SELECT path FROM organization WHERE name = '中共重庆市江津区委员会'"))[
        0
    ][0]
    branches = await sql(
        api,
        "SELECT COUNT(*) FROM organization WHERE level = 'BRANCH' AND path >= :p AND path < :q",
        p=path,
        q=path[:-1] + "0",
    )
    headers = {"Authorization": f"Bearer {api.token('jiangjin_admin')}"}
    month = await api.client.get(
        "/queries/theme_day_compliance?month=2026-10&format=csv", headers=headers
    )
    rows = parse_csv(month.text)
    assert len(rows) == branches[0][0]
    assert {r["lifeCompliance.branchMonths"] for r in rows} == {"1"}
    held = sum(int(r["lifeCompliance.branchMonthsWithThemeDay"]) for r in rows)
    assert 0.5 * len(rows) < held < len(rows)  # most branches held October's, not all
    huxi = await org_gid(api, "中共浒溪社区党委")
    listed = await api.client.get(
        f"/queries/activity_attendance?org={huxi}&period=2026&format=csv", headers=headers
    )
    attended = parse_csv(listed.text)
    own = [r for r in attended if r["organization.name"] == "中共浒溪社区党委"]
    assert len(own) >= 11 and len(attended) > len(own)  # with its branches' 三会一课
    assert sum(int(r["attendanceSummary.present"]) for r in own) > 300


async def test_the_study_totals_stay_exact(writable_api: Api) -> None:
    """After this module's writes, every maintained study total equals its credits."""
    from tests.test_study_totals import assert_totals_exact  # which imports this module

    await assert_totals_exact(writable_api.engine)
