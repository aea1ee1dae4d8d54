"""Floating members (流动党员): 陈佳's story end to end, an inflow routed and accepted, both-sided
visibility with masks, the demo symposiums, indicators against independent SQL, lost contact
from the contact log."""

import calendar
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from authz.masking import mask_phone
from tests.conftest import NOW, Api
from tests.test_checkin_writes import gid, one, org
from tests.test_saved_queries import get, parse_csv
from tests.test_statement_count import counting

TODAY = NOW.date()

OUTFLOW = """mutation($m: ID!, $d: String!, $on: Date!, $host: ID) {
  recordOutflow(input: {memberId: $m, destination: $d, reason: "务工", departedOn: $on,
                        contact: "13812345678", hostOrgId: $host}) {
    record { id status placement destination host { name } } } }"""
TALK = """mutation($r: ID!, $on: Date!) {
  recordPreDepartureTalk(input: {recordId: $r, talkOn: $on, talkBy: "支部书记",
                                 notes: "讲明流动党员管理要求"}) {
    record { id status talk { heldOn heldBy } } } }"""
CERTIFICATE = """mutation($r: ID!, $n: String!) {
  issueFloatingCertificate(input: {recordId: $r, number: $n, issuedOn: "2024-03-01",
                                   validUntil: "2027-03-01"}) {
    record { certificate { number validUntil } } } }"""
PAIR = """mutation($r: ID!, $c: ID!) {
  pairFloatingMember(input: {recordId: $r, committeeMemberId: $c}) {
    warnings record { pairedWith { name } } } }"""
CONTACT = """mutation($r: ID!, $on: Date!) {
  logFloatingContact(input: {recordId: $r, contactedOn: $on, channel: WECHAT,
                             content: "了解近况，邀请中秋返乡座谈"}) {
    record { lastContactOn lostContact contacts { channel } } } }"""
REPORT = """mutation($r: ID!) {
  recordFloatingReport(input: {recordId: $r, year: 2026, reportedOn: "2026-10-08",
                               content: "报告一年来的学习和工作"}) {
    record { reportDue reports { year } } } }"""
SYMPOSIUM = """mutation($o: ID!, $m: ID!) {
  holdSymposium(input: {orgId: $o, title: "南彭街道中秋流动党员座谈会", heldOn: "2026-09-25",
                        place: "鸳鸯村党群服务中心", invitedMemberIds: [$m],
                        attendedMemberIds: [$m]}) {
    symposium { id invitedCount attendedCount organization { name } } } }"""
SUGGEST = """mutation($s: ID!, $m: ID) {
  addSuggestion(input: {symposiumId: $s, memberId: $m, category: LOCAL_RESOURCES,
                        content: "建议用好本地资源，发展网络通信配套产业",
                        handler: "街道经济发展办"}) {
    suggestion { id status member { name } } } }"""
ANSWER = """mutation($s: ID!, $d: SuggestionStatus!) {
  answerSuggestion(input: {suggestionId: $s, decision: $d, reply: "已采纳，列入明年重点工作"}) {
    suggestion { status reply answeredOn } } }"""
ROUTE = """mutation($r: ID!, $o: ID!) { routeInflow(input: {recordId: $r, orgId: $o}) {
  record { placement placedIn { name } } } }"""
ACCEPT = """mutation($r: ID!) { acceptInflow(input: {recordId: $r}) {
  record { placement placedOn } } }"""
END = """mutation($r: ID!) { endFloating(input: {recordId: $r, returnedOn: "2026-11-24"}) {
  record { status returnedOn } } }"""
MY_RECORD = """{ viewer { member { floating lostContact floatingRecord { status destination
  talk { heldOn } certificate { number } pairedWith { name } lastContactOn lostContact
  contact } } } }"""


async def member_id(api: Api, name: str) -> int:
    return await scalar(api, "SELECT id FROM member WHERE name = :n ORDER BY id", n=name)


async def first(api: Api, sql: str, **params) -> Any:
    """The first row of `sql`."""
    async with api.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).first()


async def scalar(api: Api, sql: str, **params) -> Any:
    return (await first(api, sql, **params))[0]


async def run(api: Api, query: str, variables: dict, user: str) -> dict:
    return await api.data(query, variables, user=user)


async def error(api: Api, query: str, variables: dict, user: str) -> dict:
    body = await api.post(query, variables, user=user)
    assert body.get("errors"), body
    return body["errors"][0]


async def succeeded(api: Api, operation: str) -> int:
    return int(
        await scalar(  # type: ignore[arg-type]
            api, "SELECT COUNT(*) FROM audit_log WHERE operation = :o AND success", o=operation
        )
    )


async def clear_story(api: Api, member: int) -> None:
    """Remove a member's seeded floating rows: the story is then told through the API."""
    async with api.engine.begin() as conn:
        for sql in (
            "DELETE FROM suggestion WHERE member_id = :m",
            "DELETE FROM symposium_attendee WHERE member_id = :m",
            "DELETE FROM floating_contact WHERE member_id = :m",
            "DELETE FROM floating_report WHERE member_id = :m",
            "DELETE FROM floating_record WHERE member_id = :m",
        ):
            await conn.execute(text(sql), {"m": member})


# ---- 陈佳's story, end to end ---------------------------------------------------------------


async def test_chenjia_story(writable_api: Api) -> None:
    api = writable_api
    chenjia = await member_id(api, "陈佳")
    await clear_story(api, chenjia)
    m = gid("Member", chenjia)
    # the outflow from 鸳鸯村, recorded by the home side: not active before the talk
    out = (
        await run(
            api,
            OUTFLOW,
            {"m": m, "d": "广西壮族自治区钦州市钦南区", "on": "2016-03-01"},
            "banan_admin",
        )
    )["recordOutflow"]["record"]
    assert out["status"] == "RECORDED" and out["placement"] is None and out["host"] is None
    r = out["id"]
    early = await error(api, CONTACT, {"r": r, "on": "2026-09-10"}, "banan_admin")
    assert early["message"] == "contacts are logged for active floating members"
    late = await error(api, TALK, {"r": r, "on": "2016-03-02"}, "banan_admin")
    assert "before departure" in late["message"]
    talk = await run(api, TALK, {"r": r, "on": "2016-02-20"}, "banan_admin")
    assert talk["recordPreDepartureTalk"]["record"]["status"] == "ACTIVE"
    cert = await run(api, CERTIFICATE, {"r": r, "n": "LD-BN-2024-0001"}, "banan_admin")
    assert cert["issueFloatingCertificate"]["record"]["certificate"]["number"] == "LD-BN-2024-0001"
    # her pairing contact: a committee member of her own branch (she is its secretary)
    secretary = await scalar(
        api,
        "SELECT m.id FROM member m JOIN organization o ON o.id = m.org_id WHERE "
        "o.name = '中共鸳鸯村第一党支部' AND m.party_post IN ('DEPUTY_SECRETARY', "
        "'COMMITTEE_MEMBER') ORDER BY m.id",
    )
    paired = await run(api, PAIR, {"r": r, "c": gid("Member", secretary)}, "banan_admin")  # type: ignore[arg-type]
    assert paired["pairFloatingMember"]["record"]["pairedWith"]["name"]
    contact = await run(api, CONTACT, {"r": r, "on": "2026-09-10"}, "banan_admin")
    logged = contact["logFloatingContact"]["record"]
    assert logged["lastContactOn"] == "2026-09-10" and logged["lostContact"] is False
    report = await run(api, REPORT, {"r": r}, "banan_admin")
    assert report["recordFloatingReport"]["record"] == {
        "reportDue": False,
        "reports": [{"year": 2026}],
    }
    # the Mid-Autumn symposium at 南彭街道, her suggestion, answered
    nanpeng = await org(api, "中共南彭街道党工委")
    held = (await run(api, SYMPOSIUM, {"o": nanpeng, "m": m}, "banan_admin"))["holdSymposium"]
    symposium = held["symposium"]
    assert symposium["invitedCount"] == 1 and symposium["attendedCount"] == 1
    assert symposium["organization"]["name"] == "中共南彭街道党工委"
    said = await run(api, SUGGEST, {"s": symposium["id"], "m": m}, "banan_admin")
    suggestion = said["addSuggestion"]["suggestion"]
    assert suggestion["status"] == "RECEIVED" and suggestion["member"]["name"] == "陈佳"
    answered = await run(api, ANSWER, {"s": suggestion["id"], "d": "ANSWERED"}, "banan_admin")
    assert answered["answerSuggestion"]["suggestion"]["status"] == "ANSWERED"
    again = await error(api, ANSWER, {"s": suggestion["id"], "d": "ADOPTED"}, "banan_admin")
    assert again["message"] == "this suggestion has already been answered"
    # she sees her own record and her suggestion; her PII is her own
    mine = (await run(api, MY_RECORD, {}, "chenjia"))["viewer"]["member"]
    assert mine["floating"] == "OUTFLOW" and mine["lostContact"] is False
    record = mine["floatingRecord"]
    assert record["status"] == "ACTIVE" and record["talk"] == {"heldOn": "2016-02-20"}
    assert record["certificate"] == {"number": "LD-BN-2024-0001"}
    assert record["lastContactOn"] == "2026-09-10" and record["contact"] == "13812345678"
    own = await run(
        api,
        "query($s: ID!) { node(id: $s) { ... on Suggestion { status reply } } }",
        {"s": suggestion["id"]},
        "chenjia",
    )
    assert own["node"]["status"] == "ANSWERED"
    # every step is in the audit trail
    for op in (
        "recordOutflow",
        "recordPreDepartureTalk",
        "issueFloatingCertificate",
        "pairFloatingMember",
        "logFloatingContact",
        "recordFloatingReport",
        "holdSymposium",
        "addSuggestion",
        "answerSuggestion",
    ):
        assert await succeeded(api, op) >= 1, op
    # out of scope looks missing: 江津's administrator cannot find or change it
    hidden = await api.data(
        "query($r: ID!) { node(id: $r) { id } }", {"r": r}, user="jiangjin_admin"
    )
    assert hidden["node"] is None
    refused = await error(api, CONTACT, {"r": r, "on": "2026-09-11"}, "jiangjin_admin")
    missing = await error(
        api, CONTACT, {"r": gid("FloatingRecord", 9_999_999), "on": "2026-09-11"}, "jiangjin_admin"
    )
    assert refused["message"] == missing["message"] == "no such floating record"
    assert refused["extensions"] == missing["extensions"]
    # return ends the outflow
    ended = await run(api, END, {"r": r}, "banan_admin")
    assert ended["endFloating"]["record"]["status"] == "ENDED"
    assert await scalar(api, "SELECT floating FROM member WHERE id = :m", m=chenjia) == "NONE"


async def test_own_suggestion_is_not_answered_by_its_author(writable_api: Api) -> None:
    """Nobody answers their own suggestion: a suggestion of 程振国 at a symposium of his."""
    api = writable_api
    cheng = await member_id(api, "程振国")
    path = await scalar(
        api, "SELECT path FROM organization WHERE name = '中共青年塘社区网格第一党支部'"
    )
    async with api.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO symposium (id, org_id, org_path, title, held_on, place) SELECT 900, "
                "id, path, '座谈会', '2026-10-01', '社区' FROM organization WHERE path = :p"
            ),
            {"p": path},
        )
        await conn.execute(
            text(
                "INSERT INTO suggestion (id, symposium_id, org_path, member_id, content, "
                "category, status) VALUES (900, 900, :p, :m, '建议', 'OTHER', 'RECEIVED')"
            ),
            {"p": path, "m": cheng},
        )
    refused = await error(
        api, ANSWER, {"s": gid("Suggestion", 900), "d": "ADOPTED"}, "qnt_grid1_secretary"
    )
    assert refused["extensions"]["code"] == "FORBIDDEN"


# ---- an inflow to 巴南区, routed to a 青年塘 grid branch and accepted ------------------------


INFLOW_VIEW = """query($o: ID!) { organization(id: $o) {
  floatingMembers(side: INFLOW, first: 100) { edges { node { id placement home { name }
    member { name phone idCardNumber address } contact } } } } }"""
HOME_VIEW = """query($m: ID!) { node(id: $m) { ... on Member { floatingRecord { placement
  placedIn { name } host { name } contact member { phone } } } } }"""


async def test_inflow_routed_and_accepted(writable_api: Api) -> None:
    api = writable_api
    row = await first(
        api,
        "SELECT m.id, m.phone, m.id_card_number FROM member m JOIN organization o ON "
        "o.id = m.org_id WHERE o.name = '中共浒溪社区第二党支部' AND m.floating = 'NONE' AND "
        "m.status = 'FULL' AND m.party_post IS NULL ORDER BY m.id",
    )
    m = gid("Member", row[0])
    host = await org(api, "中共李家沱街道党工委")
    grid = await org(api, "中共青年塘社区网格第一党支部")
    out = await run(
        api,
        OUTFLOW,
        {"m": m, "d": "重庆市巴南区", "on": "2026-11-01", "host": host},
        "jiangjin_admin",
    )
    record = out["recordOutflow"]["record"]
    assert record["placement"] == "NOTIFIED" and record["host"]["name"] == "中共李家沱街道党工委"
    r = record["id"]
    await run(api, TALK, {"r": r, "on": "2026-10-28"}, "jiangjin_admin")
    # only the host routes, and only into a grid / non-public / floating-member branch of its own
    assert (await error(api, ROUTE, {"r": r, "o": grid}, "qnt_grid1_secretary"))["message"] == (
        "no such floating record"
    )
    regular = await org(api, "中共鸳鸯村第一党支部")
    wrong = await error(api, ROUTE, {"r": r, "o": regular}, "banan_admin")
    assert wrong["extensions"]["code"] == "BAD_USER_INPUT"
    routed = await run(api, ROUTE, {"r": r, "o": grid}, "banan_admin")
    assert routed["routeInflow"]["record"]["placement"] == "ROUTED"
    # the home side may not accept for the branch; the branch accepts
    assert (await error(api, ACCEPT, {"r": r}, "jiangjin_admin"))["message"] == (
        "no such floating record"
    )
    accepted = await run(api, ACCEPT, {"r": r}, "qnt_grid1_secretary")
    assert accepted["acceptInflow"]["record"] == {"placement": "PLACED", "placedOn": str(TODAY)}
    # the host's secretary sees the member, PII masked (no member.pii for 江津's branch)
    view = await run(api, INFLOW_VIEW, {"o": grid}, "qnt_grid1_secretary")
    node = next(
        e["node"] for e in view["organization"]["floatingMembers"]["edges"] if e["node"]["id"] == r
    )
    assert node["placement"] == "PLACED" and node["home"]["name"] == "中共浒溪社区第二党支部"
    person = node["member"]
    assert person["phone"] == "*" * (len(row[1]) - 4) + row[1][-4:]
    assert person["idCardNumber"] == row[2][:3] + "*" * 15
    assert person["address"].endswith("****") and node["contact"] == "*******5678"
    # the home side sees the placement, in clear
    home = (await run(api, HOME_VIEW, {"m": m}, "jiangjin_admin"))["node"]["floatingRecord"]
    assert (
        home["placement"] == "PLACED" and home["placedIn"]["name"] == "中共青年塘社区网格第一党支部"
    )
    assert home["contact"] == "13812345678" and home["member"]["phone"] == row[1]
    for op in ("routeInflow", "acceptInflow"):
        assert await succeeded(api, op) == 1


async def test_arrival_from_outside_is_a_record_only(writable_api: Api) -> None:
    api = writable_api
    host = await org(api, "中共李家沱街道党工委")
    q = """mutation($h: ID!) { recordInflow(input: {hostOrgId: $h, name: "王建国",
      origin: "四川省广安市邻水县", reason: "务工", arrivedOn: "2026-11-02",
      phone: "13987654321"}) {
      record { id status placement name member { name } phone } } }"""
    record = (await run(api, q, {"h": host}, "banan_admin"))["recordInflow"]["record"]
    assert record["status"] == "ACTIVE" and record["placement"] == "NOTIFIED"
    assert record["member"] is None and record["phone"] == "13987654321"
    awaiting = """query($o: ID!) { organization(id: $o) { floatingMembers(side: INFLOW,
      awaitingPlacement: true, first: 100) { edges { node { id } } } } }"""
    edges = (await run(api, awaiting, {"o": host}, "banan_admin"))["organization"]
    assert record["id"] in [e["node"]["id"] for e in edges["floatingMembers"]["edges"]]
    assert await succeeded(api, "recordInflow") == 1


# ---- pairing: 3–5 per committee member, a warning beyond 5 ---------------------------------


async def test_pairing_warns_beyond_five(writable_api: Api) -> None:
    api = writable_api
    async with api.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT m.id FROM member m JOIN organization o ON o.id = m.org_id WHERE "
                    "o.name = '中共鸳鸯村第二党支部' AND m.status = 'FULL' AND "
                    "m.floating = 'NONE' AND m.party_post IS NULL ORDER BY m.id LIMIT 6"
                )
            )
        ).all()
    secretary = await scalar(
        api,
        "SELECT m.id FROM member m JOIN organization o ON o.id = m.org_id WHERE "
        "o.name = '中共鸳鸯村第二党支部' AND m.party_post = 'SECRETARY'",
    )
    before = int(
        await scalar(  # type: ignore[arg-type]
            api,
            "SELECT COUNT(*) FROM floating_record WHERE paired_member_id = :s AND "
            "status != 'ENDED'",
            s=secretary,
        )
    )
    for i, (member,) in enumerate(rows, start=1):
        out = await run(
            api,
            OUTFLOW,
            {"m": gid("Member", member), "d": "浙江省杭州市", "on": "2026-11-10"},
            "banan_admin",
        )
        r = out["recordOutflow"]["record"]["id"]
        paired = await run(api, PAIR, {"r": r, "c": gid("Member", secretary)}, "banan_admin")  # type: ignore[arg-type]
        warnings = paired["pairFloatingMember"]["warnings"]
        assert bool(warnings) == (before + i > 5), (before + i, warnings)
    assert "the guide is 3–5" in warnings[0]
    nobody = await error(api, PAIR, {"r": r, "c": gid("Member", rows[0][0])}, "banan_admin")
    assert nobody["extensions"]["code"] == "BAD_USER_INPUT"


# ---- lost contact is computed from the contact log ------------------------------------------


LOST = """query($m: ID!) { node(id: $m) { ... on Member { lostContact
  floatingRecord { id lostContact lastContactOn } } } }"""


async def test_lost_contact_comes_from_the_log(writable_api: Api) -> None:
    api = writable_api
    banan = await scalar(api, "SELECT path FROM organization WHERE name = '中共重庆市巴南区委员会'")
    lost = await first(
        api,
        "SELECT r.member_id FROM floating_record r WHERE r.status = 'ACTIVE' AND "
        "substr(r.home_path, 1, length(:p)) = :p AND COALESCE((SELECT MAX(contacted_on) FROM "
        "floating_contact c WHERE c.record_id = r.id), r.departed_on) < :cut ORDER BY r.id",
        p=banan,
        cut=months_before(TODAY, 6),
    )
    m = gid("Member", lost[0])
    before = (await run(api, LOST, {"m": m}, "banan_admin"))["node"]
    assert before["lostContact"] is True and before["floatingRecord"]["lostContact"] is True
    r = before["floatingRecord"]["id"]
    await run(api, CONTACT, {"r": r, "on": "2026-11-20"}, "banan_admin")
    after = (await run(api, LOST, {"m": m}, "banan_admin"))["node"]
    assert (
        after["lostContact"] is False and after["floatingRecord"]["lastContactOn"] == "2026-11-20"
    )


# ---- the demo data: 南彭's symposiums, 陈佳, 青年塘 --------------------------------------------


SYMPOSIUMS = """query($o: ID!) { organization(id: $o) { name
  symposiums(first: 20) { totalCount edges { node { title heldOn suggestionCount attendedCount
    attendees { attended member { name } } } } }
  floatingStats(period: "2026") { symposiums suggestions } } }"""


async def test_banan_sees_nanpeng_symposiums_jiangjin_none(api: Api) -> None:
    nanpeng = await org(api, "中共南彭街道党工委")
    data = (await run(api, SYMPOSIUMS, {"o": nanpeng}, "banan_admin"))["organization"]
    symposiums = data["symposiums"]
    assert symposiums["totalCount"] == 11
    said = sum(e["node"]["suggestionCount"] for e in symposiums["edges"])
    assert said >= 40 and data["floatingStats"] == {"symposiums": 11, "suggestions": said}
    came = {
        a["member"]["name"]
        for e in symposiums["edges"]
        for a in e["node"]["attendees"]
        if a["attended"]
    }
    assert "陈佳" in came
    assert all("中秋" in e["node"]["title"] for e in symposiums["edges"])
    assert (await run(api, SYMPOSIUMS, {"o": nanpeng}, "jiangjin_admin"))["organization"] is None
    ids = await api.data(
        "query($o: ID!) { organization(id: $o) { symposiums(first: 1) { edges { node { id } } } "
        "} }",
        {"o": nanpeng},
        user="banan_admin",
    )
    sid = ids["organization"]["symposiums"]["edges"][0]["node"]["id"]  # none by id either
    none = await api.data(
        "query($s: ID!) { node(id: $s) { id } }", {"s": sid}, user="jiangjin_admin"
    )
    assert none["node"] is None
    jiangjin = await org(api, "中共重庆市江津区委员会")
    own = (await run(api, SYMPOSIUMS, {"o": jiangjin}, "jiangjin_admin"))["organization"]
    assert own["symposiums"]["totalCount"] == 0 and own["floatingStats"]["symposiums"] == 0


async def test_chenjia_in_the_demo_data(api: Api) -> None:
    mine = (await run(api, MY_RECORD, {}, "chenjia"))["viewer"]["member"]
    record = mine["floatingRecord"]
    assert record["destination"] == "广西壮族自治区钦州市钦南区" and record["status"] == "ACTIVE"
    assert record["talk"] and record["certificate"]
    assert record["pairedWith"] is None  # a member sees only herself, not her pairing contact
    sql = (
        "SELECT s.status FROM suggestion s WHERE s.member_id = :m AND "
        "s.category = 'LOCAL_RESOURCES' AND s.content LIKE '%西部陆海新通道%'"
    )
    assert (await one(api, sql, m=await member_id(api, "陈佳")))[0] == "ANSWERED"


async def test_qingniantang_grid_branches_hold_inflow_members(api: Api) -> None:
    grid = await org(api, "中共青年塘社区网格第一党支部")
    view = await run(api, INFLOW_VIEW, {"o": grid}, "qnt_grid1_secretary")
    nodes = [e["node"] for e in view["organization"]["floatingMembers"]["edges"]]
    assert len([n for n in nodes if n["placement"] == "PLACED"]) >= 3
    from_city = [n for n in nodes if n["member"]]
    assert from_city and all(n["member"]["idCardNumber"].endswith("*" * 15) for n in from_city)


# ---- indicators against independent SQL -------------------------------------------------------


STATS = """query($o: ID!, $p: String) { organization(id: $o) { floatingStats(period: $p) {
  asOf floatingMembers inflowMembers placedMembers enrolmentRate contactedMembers
  contactCoverage lostContact } } }"""


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier, clipped to the end of a shorter month."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


async def expected_stats(api: Api, path: str, day: dt.date) -> dict:
    """The indicators counted in plain SQL: records of the subtree (home, host or placement),
    under way on `day`; inflow ones hosted in the subtree (the host, else the placing branch),
    placed by then; contacted within 6 months; lost past 6 months."""
    six = months_before(day, 6)
    sql = """
      SELECT COUNT(*),
        SUM(CASE WHEN placement IS NOT NULL AND substr(COALESCE(host_path, placed_path), 1,
                 length(:p)) = :p THEN 1 ELSE 0 END),
        SUM(CASE WHEN placement = 'PLACED' AND placed_on <= :d AND substr(COALESCE(host_path,
                 placed_path), 1, length(:p)) = :p THEN 1 ELSE 0 END),
        SUM(CASE WHEN EXISTS (SELECT 1 FROM floating_contact c WHERE c.record_id = r.id
                   AND c.contacted_on <= :d AND c.contacted_on >= :six) THEN 1 ELSE 0 END),
        SUM(CASE WHEN COALESCE((SELECT MAX(c.contacted_on) FROM floating_contact c
                   WHERE c.record_id = r.id AND c.contacted_on <= :d), r.departed_on) < :six
                 THEN 1 ELSE 0 END)
      FROM floating_record r
      WHERE status != 'RECORDED' AND departed_on <= :d
        AND (returned_on IS NULL OR returned_on > :d)
        AND (substr(home_path, 1, length(:p)) = :p OR substr(host_path, 1, length(:p)) = :p
             OR substr(placed_path, 1, length(:p)) = :p)"""
    total, inflow, placed, contacted, lost = await one(api, sql, d=day, six=six, p=path)
    return {
        "asOf": str(day),
        "floatingMembers": total,
        "inflowMembers": inflow or 0,
        "placedMembers": placed or 0,
        "enrolmentRate": round(placed / inflow, 4) if inflow else None,
        "contactedMembers": contacted or 0,
        "contactCoverage": round(contacted / total, 4) if total else None,
        "lostContact": lost or 0,
    }


@pytest.mark.parametrize(
    "user, name, period, day",
    [
        ("banan_admin", "中共重庆市巴南区委员会", None, TODAY),
        ("banan_admin", "中共李家沱街道党工委", "2026-Q2", dt.date(2026, 6, 30)),
        ("cq_admin", "中共重庆市委", "2025", dt.date(2025, 12, 31)),
        ("jiangjin_admin", "中共重庆市江津区委员会", None, TODAY),
        ("qnt_grid1_secretary", "中共青年塘社区网格第一党支部", None, TODAY),
    ],
)
async def test_indicators_match_sql(
    api: Api, user: str, name: str, period: str | None, day: dt.date
) -> None:
    path = await scalar(api, "SELECT path FROM organization WHERE name = :n", n=name)
    o = await org(api, name)
    got = (await run(api, STATS, {"o": o, "p": period}, user))["organization"]["floatingStats"]
    want = await expected_stats(api, path, day)  # type: ignore[arg-type]
    assert got == want
    assert got["floatingMembers"] > 0


SYMPOSIUM_PAGE = """query($o: ID!, $first: Int) { organization(id: $o) {
  symposiums(first: $first) { edges { node { title attendees { attended member { name } }
    suggestions(first: 5) { totalCount edges { node { status member { name }
      symposium { title } } } } } } } } }"""


async def test_symposium_statements_constant_in_page_size(api: Api) -> None:
    nanpeng = await org(api, "中共南彭街道党工委")
    counts = []
    for size in (2, 11):
        with counting(api) as statements:
            data = await run(api, SYMPOSIUM_PAGE, {"o": nanpeng, "first": size}, "banan_admin")
        assert len(data["organization"]["symposiums"]["edges"]) == size
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 12, counts


# ---- saved queries: the ledgers as CSV ---------------------------------------------------------


async def test_outflow_ledger_csv_masks_contacts_without_pii(api: Api) -> None:
    district = await org(api, "中共重庆市江津区委员会")
    path = f"/queries/outflow_ledger?org={district}&format=csv&first=100"
    clear = parse_csv((await get(api, path, "jiangjin_admin")).text)
    masked = parse_csv((await get(api, path, "jiangjin_auditor")).text)
    expected = await scalar(
        api,
        "SELECT COUNT(*) FROM floating_record WHERE substr(home_path, 1, length(:p)) = :p",
        p=await scalar(api, "SELECT path FROM organization WHERE name = '中共重庆市江津区委员会'"),
    )
    assert len(clear) == len(masked) == expected > 0
    assert all(r["talk.heldOn"] and r["certificate.number"] for r in clear)
    assert [r["contact"] for r in masked] == [mask_phone(r["contact"].strip()) for r in clear]
    other = await get(api, path, "banan_admin")
    assert other.status_code == 200 and parse_csv(other.text) == []


async def test_saved_floating_queries(api: Api) -> None:
    street = await org(api, "中共李家沱街道党工委")
    awaiting = (await get(api, f"/queries/inflow_awaiting?org={street}", "banan_admin")).json()
    ledger = awaiting["data"]["organization"]["floatingMembers"]
    assert ledger["totalCount"] >= 2
    assert {e["node"]["placement"] for e in ledger["edges"]} <= {"NOTIFIED", "ROUTED"}
    nanpeng = await org(api, "中共南彭街道党工委")
    path = f"/queries/symposium_suggestions?org={nanpeng}&format=csv"
    rows = parse_csv((await get(api, path, "banan_admin")).text)
    assert len(rows) >= 40 and all("中秋" in r["symposium.title"] for r in rows)
    assert len({r["symposium.title"] for r in rows}) == 11
    assert any(r["member.name"] == "陈佳" and r["category"] == "LOCAL_RESOURCES" for r in rows)
    one = rows[0]["id"]
    symposium = (
        await run(
            api,
            "query($s: ID!) { node(id: $s) { ... on Suggestion { symposium { id } } } }",
            {"s": one},
            "banan_admin",
        )
    )["node"]["symposium"]["id"]
    only = (await get(api, f"{path}&symposium={symposium}", "banan_admin")).text
    assert 0 < len(parse_csv(only)) < len(rows)
    assert parse_csv((await get(api, path, "jiangjin_admin")).text) == []
