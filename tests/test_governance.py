"""Governance (换届, 软弱涣散): the rules at their boundaries, terms and their reminder list per
scope, a due date changed by request and approval above (never one's own), an election with
its candidate margin and the secretary's offered grant, the yearly sweep's rules each found
and not found, acceptance at 70 and 50%, and both indicators against plain SQL on both
databases, for the city and for 江津."""

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import bindparam, text

from domain.errors import RuleViolation
from domain.governance import acceptance, check_change, check_election
from models import RectificationState, TermChangeKind
from tests.conftest import NOW, Api, stored_year
from tests.test_activity import org_gid, pk, sql
from tests.test_statement_count import counting
from tests.test_write import gid

TODAY = NOW.date()
JIANGJIN = "中共重庆市江津区委员会"
CITY = "中共重庆市委"
SHENGQUAN = "中共圣泉街道党工委"
HUXI = "中共浒溪社区党委"
GRID1 = "中共青年塘社区网格第一党支部"

TERM = """query($o: ID!) { node(id: $o) { ... on Organization { name term { id years startedOn
  regularDueOn dueOn endedOn overdue version changes { id kind newDueOn state version } } } } }"""
DUE = """query($u: ID, $m: Int!) { termsDue(under: $u, withinMonths: $m, first: 100) {
  totalCount edges { node { id dueOn overdue organization { name } } } } }"""
REQUEST = """mutation($in: RequestTermChangeInput!) { requestTermChange(input: $in) {
  termChange { id state version newDueOn } } }"""
APPROVE = """mutation($in: ApproveTermChangeInput!) { approveTermChange(input: $in) {
  termChange { id state version } } }"""
ELECT = """mutation($in: RecordElectionInput!) { recordElection(input: $in) {
  term { id years startedOn regularDueOn dueOn endedOn organization { name }
    election { heldOn seats candidates committee { id } secretary { id } } }
  secretary { name partyPost } } }"""
OFFER = """query($id: ID!) { node(id: $id) { ... on Member { partyPost
  offeredGrant { role scope { name } } } } }"""
OPEN = """mutation($in: OpenRectificationCaseInput!) { openRectificationCase(input: $in) {
  case { id state version deadline reasons } } }"""
NOTE = """mutation($in: AddRectificationNoteInput!) { addRectificationNote(input: $in) {
  case { notes { text writtenOn } } } }"""
ACCEPT = """mutation($in: AcceptRectificationInput!) { acceptRectification(input: $in) {
  case { state score dissatisfiedPercent acceptedOn version } } }"""
ASSESS = """mutation($in: RecordOrgAssessmentInput!) { recordOrgAssessment(input: $in) {
  organization { name } } }"""
SWEEP = """mutation($y: Int!) { runWeakOrgSweep(input: {year: $y}) { year found proposed } }"""
CASES = """query($o: ID!, $s: RectificationState, $y: Int) { node(id: $o) { ... on Organization {
  rectificationCases(state: $s, year: $y, first: 100) { totalCount edges { node { id state
    reasons organization { name } } } } } } }"""
INDICATORS = """query($o: ID!, $p: String) { node(id: $o) { ... on Organization {
  governanceIndicators(period: $p) {
    onTimeReelection { numerator denominator rate }
    onTimeRectification { numerator denominator rate } } } } }"""


def code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


async def org_path(api: Api, name: str) -> str:
    return (await sql(api, "SELECT path FROM organization WHERE name = :n", n=name))[0][0]


# ---- rules ---------------------------------------------------------------------------------


def test_a_due_date_moves_by_a_year_at_most() -> None:
    due = dt.date(2026, 6, 30)
    check_change(TermChangeKind.POSTPONE, due, dt.date(2027, 6, 30))
    check_change(TermChangeKind.ADVANCE, due, dt.date(2025, 6, 30))
    for kind, day in (
        (TermChangeKind.POSTPONE, dt.date(2027, 7, 1)),  # over a year
        (TermChangeKind.ADVANCE, dt.date(2025, 6, 29)),
        (TermChangeKind.POSTPONE, dt.date(2026, 6, 1)),  # not later
        (TermChangeKind.ADVANCE, dt.date(2026, 7, 1)),  # not earlier
    ):
        with pytest.raises(RuleViolation):
            check_change(kind, due, day)


def test_candidates_at_least_seats_times_one_point_two() -> None:
    day = dt.date(2026, 11, 1)

    def elect(seats: int, candidates: int) -> None:
        check_election(day, TODAY, None, seats, candidates, list(range(seats)), 0)

    elect(5, 6)
    elect(3, 4)  # 3.6
    elect(7, 9)  # 8.4
    for seats, candidates in ((5, 5), (4, 4), (7, 8), (3, 3)):
        with pytest.raises(RuleViolation, match=r"seats × 1\.2"):
            elect(seats, candidates)
    with pytest.raises(RuleViolation, match="secretary"):
        check_election(day, TODAY, None, 3, 4, [1, 2, 3], 9)
    with pytest.raises(RuleViolation, match="committee"):
        check_election(day, TODAY, None, 3, 4, [1, 2], 1)


def test_acceptance_needs_70_and_at_most_half_dissatisfied() -> None:
    rectifying = RectificationState.RECTIFYING
    assert acceptance(rectifying, 70, 50)
    assert acceptance(RectificationState.REDO, 95, 0)
    assert not acceptance(rectifying, 69, 0)
    assert not acceptance(rectifying, 100, 51)
    with pytest.raises(RuleViolation):
        acceptance(RectificationState.ACCEPTED, 90, 10)
    with pytest.raises(RuleViolation):
        acceptance(RectificationState.PROPOSED, 90, 10)


# ---- terms and the reminder list (read-only, both databases) ---------------------------------


async def test_terms_seen_in_scope_only(api: Api) -> None:
    huxi = await org_gid(api, HUXI)
    term = (await api.data(TERM, {"o": huxi}, user="jiangjin_admin"))["node"]["term"]
    row = (
        await sql(
            api,
            "SELECT t.id, t.years, t.due_on FROM org_term t JOIN organization o ON o.id = t.org_id"
            " WHERE o.name = :n AND t.ended_on IS NULL",
            n=HUXI,
        )
    )[0]
    assert pk(term["id"]) == row[0] and term["years"] == 5 == row[1]
    assert term["dueOn"] == str(row[2]) and term["endedOn"] is None
    # out of scope and missing look the same
    assert (await api.data(TERM, {"o": huxi}, user="banan_admin"))["node"] is None
    for user in ("banan_admin", "ouli"):
        body = await api.post(
            "query($t: ID!) { node(id: $t) { id } }", {"t": term["id"]}, user=user
        )
        assert body["data"]["node"] is None
    missing = gid("Term", 9_999_999)
    body = await api.post("query($t: ID!) { node(id: $t) { id } }", {"t": missing}, user="cq_admin")
    assert body["data"]["node"] is None
    # no term for levels without one: the district committee, a group
    district = await org_gid(api, JIANGJIN)
    assert (await api.data(TERM, {"o": district}, user="jiangjin_admin"))["node"]["term"] is None


async def test_reminder_list_six_months_ahead_and_overdue(api: Api) -> None:
    path = await org_path(api, JIANGJIN)
    horizon = dt.date(2027, 5, 25)  # six months after the suite's today
    expected = await sql(
        api,
        "SELECT count(*), sum(CASE WHEN due_on < :t THEN 1 ELSE 0 END) FROM org_term"
        " WHERE ended_on IS NULL AND due_on < :h AND org_path >= :p AND org_path < :q",
        t=TODAY,
        h=horizon,
        p=path,
        q=path[:-1] + "0",
    )
    data = await api.data(DUE, {"m": 6}, user="jiangjin_admin")
    terms = data["termsDue"]
    assert terms["totalCount"] == expected[0][0] > 0
    shown = terms["edges"]
    assert sum(e["node"]["overdue"] for e in shown) == expected[0][1] > 0
    days = [e["node"]["dueOn"] for e in shown]
    assert days == sorted(days)
    # the city's list is longer than the district's, and 江津's only has 江津's
    city = await api.data(DUE, {"m": 6}, user="cq_admin")
    assert city["termsDue"]["totalCount"] > terms["totalCount"]
    under = await api.data(DUE, {"m": 6, "u": await org_gid(api, JIANGJIN)}, user="cq_admin")
    assert under["termsDue"]["totalCount"] == terms["totalCount"]
    assert (await api.data(DUE, {"m": 6}, user="ouli"))["termsDue"]["totalCount"] == 0


# ---- the indicators against plain SQL (both databases, city and district) ----------------------

REELECTION_SQL = """SELECT coalesce(sum(CASE WHEN ended_on IS NOT NULL AND ended_on <= due_on
  THEN 1 ELSE 0 END), 0), count(*) FROM org_term WHERE due_on >= :a AND due_on < :b
  AND org_path >= :p AND org_path < :q"""
RECTIFICATION_SQL = """SELECT coalesce(sum(CASE WHEN accepted_on IS NOT NULL
  AND accepted_on <= deadline THEN 1 ELSE 0 END), 0), count(*) FROM rectification_case
  WHERE deadline >= :a AND deadline < :b AND state <> 'DISMISSED'
  AND org_path >= :p AND org_path < :q"""


@pytest.mark.parametrize(
    ("user", "org", "period", "a", "b"),
    [
        ("cq_admin", CITY, "2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
        ("jiangjin_admin", JIANGJIN, "2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
        (
            "jiangjin_admin",
            JIANGJIN,
            "2025-12-01..2026-11-30",
            dt.date(2025, 12, 1),
            TODAY + dt.timedelta(days=6),
        ),
        ("cq_admin", CITY, "2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
    ],
)
async def test_indicators_match_plain_sql(
    api: Api, user: str, org: str, period: str, a: dt.date, b: dt.date
) -> None:
    path = await org_path(api, org)
    span = {"a": a, "b": b, "p": path, "q": path[:-1] + "0"}
    data = await api.data(INDICATORS, {"o": await org_gid(api, org), "p": period}, user=user)
    got = data["node"]["governanceIndicators"]
    for field, query in (
        ("onTimeReelection", REELECTION_SQL),
        ("onTimeRectification", RECTIFICATION_SQL),
    ):
        num, den = (await sql(api, query, **span))[0]
        assert den > 0 and 0 < num < den, (field, num, den)
        assert got[field] == {
            "numerator": num,
            "denominator": den,
            "rate": round(num / den, 4),
        }, field


async def test_indicator_sources_stay_in_scope(api: Api) -> None:
    """The contract's sources apply the caller's scope themselves: every row 江津's
    administrator gets lies in 江津, with the three columns the cockpit sums."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from authz.principal import load_principal
    from domain.calendar import parse_period
    from resolvers import governance
    from resolvers.context import Context

    path = await org_path(api, JIANGJIN)
    period = parse_period("2025-12-01..2026-11-30", TODAY)
    async with AsyncSession(api.engine) as session:
        principal = await load_principal(session, "jiangjin_admin")
        ctx = Context(session=session, principal=principal, now=NOW)
        for source in (governance.reelection_source, governance.rectification_source):
            rows = list(await session.execute(source(ctx, period)))
            assert rows and all(r.path.startswith(path) for r in rows)
            assert set(rows[0]._fields) == {"path", "numerator", "denominator"}


# ---- statements constant in page size --------------------------------------------------------

GOVERNANCE_PAGE = """query($first: Int) {
  termsDue(first: $first) { totalCount edges { node { dueOn changes { state }
    organization { name } } } }
  organizations(level: COMMUNITY, first: $first) { edges { node { name
    term { dueOn overdue changes { state newDueOn }
      election { heldOn seats committee { name } secretary { name } } }
    governanceIndicators { onTimeReelection { rate } onTimeRectification { rate } }
    rectificationCases(first: 3) { totalCount edges { node { state reasons notes { text }
      organization { name } } } } } } } }"""


async def statements_of(api: Api, first: int) -> list[str]:
    with counting(api) as statements:
        assert await api.data(GOVERNANCE_PAGE, {"first": first}, user="jiangjin_admin")
    return [str(s) for s in statements]


async def test_statements_constant_in_page_size(api: Api) -> None:
    """No statement runs more often for 100 rows than for 10; a loader whose rows the small
    page happens not to reach (no case with notes among its first ten, after other tests
    wrote to the shared data) may add one statement to the large page, never one per row."""
    small = await statements_of(api, 10)
    large = await statements_of(api, 100)
    assert len(large) <= 16
    assert all(large.count(s) <= max(small.count(s), 1) for s in large)


# ---- writes (a database of its own) ----------------------------------------------------------


async def current_term(api: Api, name: str) -> tuple[int, dt.date, int]:
    row = (
        await sql(
            api,
            "SELECT t.id, t.regular_due_on, t.version FROM org_term t JOIN organization o"
            " ON o.id = t.org_id WHERE o.name = :n AND t.ended_on IS NULL",
            n=name,
        )
    )[0]
    due = row[1] if isinstance(row[1], dt.date) else dt.date.fromisoformat(row[1])
    return row[0], due, row[2]


async def test_term_change_requested_below_and_approved_above(writable_api: Api) -> None:
    api = writable_api
    huxi = await org_gid(api, HUXI)
    async with api.engine.begin() as conn:  # a clean slate for 浒溪's term
        await conn.execute(
            text(
                "DELETE FROM term_change WHERE org_id = (SELECT id FROM organization"
                " WHERE name = :n)"
            ),
            {"n": HUXI},
        )
    _, regular, _ = await current_term(api, HUXI)
    ask = {"organizationId": huxi, "kind": "POSTPONE", "reason": "社区合并调整"}
    too_far = regular + dt.timedelta(days=400)
    body = await api.post(REQUEST, {"in": {**ask, "newDueOn": str(too_far)}}, user="huxi_secretary")
    assert code(body) == "BAD_USER_INPUT" and "12 months" in body["errors"][0]["message"]
    # another district's administrator: as for a missing organisation
    body = await api.post(
        REQUEST,
        {"in": {**ask, "newDueOn": str(regular + dt.timedelta(days=200))}},
        user="banan_admin",
    )
    assert code(body) == "NOT_FOUND"
    new_due = regular + dt.timedelta(days=200)
    asked = await api.data(
        REQUEST, {"in": {**ask, "newDueOn": str(new_due)}}, user="huxi_secretary"
    )
    change = asked["requestTermChange"]["termChange"]
    assert change["state"] == "PENDING"
    # the community's own secretary cannot approve (not above it): as missing
    decide = {"termChangeId": change["id"], "approve": True, "expectedVersion": change["version"]}
    body = await api.post(APPROVE, {"in": decide}, user="huxi_secretary")
    assert code(body) == "NOT_FOUND"
    body = await api.post(APPROVE, {"in": {**decide, "expectedVersion": 7}}, user="shengquan_admin")
    assert code(body) == "CONFLICT"
    approved = await api.data(APPROVE, {"in": decide}, user="shengquan_admin")
    assert approved["approveTermChange"]["termChange"]["state"] == "APPROVED"
    term = (await api.data(TERM, {"o": huxi}, user="huxi_secretary"))["node"]["term"]
    assert term["dueOn"] == str(new_due) and term["regularDueOn"] == str(regular)
    assert [c["state"] for c in term["changes"]] == ["APPROVED"]
    # the street asks for an advance itself, and may not approve its own request
    early = regular - dt.timedelta(days=100)
    asked = await api.data(
        REQUEST,
        {"in": {**ask, "kind": "ADVANCE", "newDueOn": str(early)}},
        user="shengquan_admin",
    )
    change = asked["requestTermChange"]["termChange"]
    decide = {"termChangeId": change["id"], "approve": False, "expectedVersion": 1}
    body = await api.post(APPROVE, {"in": decide}, user="shengquan_admin")
    assert code(body) == "FORBIDDEN"
    rejected = await api.data(APPROVE, {"in": decide}, user="jiangjin_admin")
    assert rejected["approveTermChange"]["termChange"]["state"] == "REJECTED"
    body = await api.post(APPROVE, {"in": decide}, user="jiangjin_admin")
    assert code(body) == "CONFLICT"  # decided already: its version moved on
    term = (await api.data(TERM, {"o": huxi}, user="huxi_secretary"))["node"]["term"]
    assert term["dueOn"] == str(new_due)  # a rejection changes nothing


async def test_election_margin_and_the_secretary_offered_grant(writable_api: Api) -> None:
    api = writable_api
    branch = await org_gid(api, GRID1)
    rows = await sql(
        api,
        "SELECT m.id, m.name FROM member m JOIN organization o ON o.id = m.org_id"
        " WHERE o.name = :n AND m.status = 'FULL' ORDER BY m.id LIMIT 5",
        n=GRID1,
    )
    committee = [gid("Member", r[0]) for r in rows]
    secretary = committee[1]
    old_term, _, _ = await current_term(api, GRID1)
    vote = {
        "organizationId": branch,
        "heldOn": str(TODAY - dt.timedelta(days=3)),
        "seats": 5,
        "candidates": 5,
        "committee": committee,
        "secretaryId": secretary,
    }
    body = await api.post(ELECT, {"in": vote}, user="qnt_grid1_secretary")
    assert code(body) == "BAD_USER_INPUT" and "seats × 1.2" in body["errors"][0]["message"]
    outsider = (await sql(api, "SELECT id FROM member WHERE org_path NOT LIKE '/1/124/%' LIMIT 1"))[
        0
    ][0]
    body = await api.post(
        ELECT,
        {"in": {**vote, "candidates": 6, "committee": [*committee[:4], gid("Member", outsider)]}},
        user="qnt_grid1_secretary",
    )
    assert code(body) == "BAD_USER_INPUT"
    body = await api.post(ELECT, {"in": {**vote, "candidates": 6}}, user="jiangjin_admin")
    assert code(body) == "NOT_FOUND"
    data = await api.data(ELECT, {"in": {**vote, "candidates": 6}}, user="qnt_grid1_secretary")
    term = data["recordElection"]["term"]
    assert term["years"] == 3 and term["startedOn"] == vote["heldOn"]
    assert (
        term["regularDueOn"]
        == term["dueOn"]
        == str((TODAY - dt.timedelta(days=3)).replace(year=TODAY.year + 3))
    )
    assert data["recordElection"]["secretary"] == {"name": rows[1][1], "partyPost": "SECRETARY"}
    assert term["election"] == {
        "heldOn": vote["heldOn"],
        "seats": 5,
        "candidates": 6,
        "committee": [{"id": m} for m in committee],
        "secretary": {"id": secretary},
    }
    # read back later through the term, as a district sees it
    later = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Term { election { committee { id } } } } }",
        {"id": term["id"]},
        user="banan_admin",
    )
    assert later["node"]["election"]["committee"] == [{"id": m} for m in committee]
    ended = await sql(api, "SELECT ended_on FROM org_term WHERE id = :i", i=old_term)
    assert str(ended[0][0]) == vote["heldOn"]
    # the post calls for the branch secretary's role: offered to whom may grant it
    offer = await api.data(OFFER, {"id": secretary}, user="banan_admin")
    assert offer["node"]["offeredGrant"] == {"role": "branch_secretary", "scope": {"name": GRID1}}
    # the secretary before gave up the post
    before = await sql(api, "SELECT party_post FROM member WHERE id = :i", i=pk(committee[0]))
    assert before[0][0] is None


async def test_acceptance_below_70_is_redone(writable_api: Api) -> None:
    api = writable_api
    target = (
        await sql(
            api,
            "SELECT id FROM organization WHERE level = 'COMMUNITY' AND path LIKE '/1/281/%'"
            " AND id NOT IN (SELECT org_id FROM rectification_case WHERE year = 2026)"
            " ORDER BY id LIMIT 1",
        )
    )[0][0]
    plan = {
        "organizationId": gid("Organization", target),
        "reasons": ["LOW_SATISFACTION"],
        "problems": "群众满意度低",
        "measures": "书记走访全部网格",
        "responsibleLeader": "王建国",
        "deadline": str(TODAY + dt.timedelta(days=90)),
    }
    body = await api.post(OPEN, {"in": plan}, user="huxi_secretary")
    assert code(body) == "NOT_FOUND"  # the street or district confirms, not the community
    body = await api.post(OPEN, {"in": {**plan, "deadline": str(TODAY)}}, user="jiangjin_admin")
    assert code(body) == "BAD_USER_INPUT"
    opened = (await api.data(OPEN, {"in": plan}, user="jiangjin_admin"))["openRectificationCase"]
    case = opened["case"]
    assert case["state"] == "RECTIFYING" and case["reasons"] == ["LOW_SATISFACTION"]
    body = await api.post(OPEN, {"in": plan}, user="jiangjin_admin")
    assert code(body) == "CONFLICT"  # one case a year
    noted = await api.data(
        NOTE, {"in": {"caseId": case["id"], "text": "走访完成"}}, user="jiangjin_admin"
    )
    assert noted["addRectificationNote"]["case"]["notes"] == [
        {"text": "走访完成", "writtenOn": str(TODAY)}
    ]
    check = {"caseId": case["id"], "score": 69, "dissatisfiedPercent": 10, "expectedVersion": 1}
    body = await api.post(ACCEPT, {"in": check}, user="banan_admin")
    assert code(body) == "NOT_FOUND"
    redo = (await api.data(ACCEPT, {"in": check}, user="jiangjin_admin"))["acceptRectification"]
    assert redo["case"] == {
        "state": "REDO",
        "score": 69,
        "dissatisfiedPercent": 10,
        "acceptedOn": None,
        "version": 2,
    }
    check = {**check, "score": 90, "dissatisfiedPercent": 51, "expectedVersion": 2}
    redo = (await api.data(ACCEPT, {"in": check}, user="jiangjin_admin"))["acceptRectification"]
    assert redo["case"]["state"] == "REDO" and redo["case"]["acceptedOn"] is None
    body = await api.post(
        ACCEPT, {"in": {**check, "dissatisfiedPercent": 50}}, user="jiangjin_admin"
    )
    assert code(body) == "CONFLICT"  # version 2 is stale now
    passed = (
        await api.data(
            ACCEPT,
            {"in": {**check, "dissatisfiedPercent": 50, "expectedVersion": 3}},
            user="jiangjin_admin",
        )
    )["acceptRectification"]["case"]
    assert passed["state"] == "ACCEPTED" and passed["acceptedOn"] == str(TODAY)
    body = await api.post(
        ACCEPT, {"in": {**check, "score": 95, "expectedVersion": 4}}, user="jiangjin_admin"
    )
    assert code(body) == "BAD_USER_INPUT"  # accepted already


NAMED_SQL = """SELECT o.id FROM organization o WHERE o.id IN :ids AND EXISTS (SELECT 1 FROM
  development_record r JOIN development_case c ON c.id = r.case_id WHERE r.step = 7
  AND r.decision = 'PASS' AND r.acted_on > :since AND r.acted_on <= :today
  AND c.org_path >= o.path AND c.org_path < o.path || '~')"""
NEVER_HELD_SQL = """SELECT o.id FROM organization o WHERE o.level = 'BRANCH' AND o.path >= :p
  AND o.path < :q AND NOT EXISTS (SELECT 1 FROM activity a WHERE a.org_id = o.id
  AND a.state IN ('HELD', 'RECORDED') AND a.starts_at >= :a AND a.starts_at < :b)"""


async def named_in(api: Api, orgs: list[int]) -> set[int]:
    """Those of `orgs` with a development candidate named in their subtree in 2 years."""
    ids = "(" + ",".join(map(str, orgs)) + ")"
    since = TODAY.replace(year=TODAY.year - 2)
    return {r[0] for r in await sql(api, NAMED_SQL.replace(":ids", ids), since=since, today=TODAY)}


async def held_every_rule(api: Api, branch: int) -> None:
    """One held activity of every kind the 三会一课 rules ask for, early in 2026."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.activity import RULES
    from models import Activity, ActivityAudience, ActivityState

    path = (await sql(api, "SELECT path FROM organization WHERE id = :i", i=branch))[0][0]
    at = NOW.replace(month=2, day=10)
    async with AsyncSession(api.engine) as session:
        for rule in RULES:
            session.add(
                Activity(
                    org_id=branch,
                    org_path=path,
                    kind=rule.kind,
                    title="x",
                    place="x",
                    starts_at=at,
                    ends_at=at + dt.timedelta(hours=1),
                    audience=ActivityAudience.MEMBERS,
                    state=ActivityState.HELD,
                    held_at=at,
                    by_secretary=rule.by_secretary,
                    code_secret="x",
                )
            )
        await session.commit()


async def test_sweep_rules_each_found_and_not(writable_api: Api) -> None:
    api = writable_api
    street = await org_path(api, SHENGQUAN)
    inside = {"p": street, "q": street[:-1] + "0"}
    orgs = [
        r[0]
        for r in await sql(
            api,
            "SELECT id FROM organization WHERE level IN ('COMMUNITY', 'BRANCH', 'VILLAGE')"
            " AND path >= :p AND path < :q AND dissolved_on IS NULL AND id NOT IN"
            " (SELECT org_id FROM rectification_case WHERE year = 2026)"
            " ORDER BY level = 'BRANCH', id LIMIT 8",  # developing bodies first
            **inside,
        )
    ]
    vacant_long, vacant_short, overdue, due_ahead, developed, last, low, fine = orgs
    kept = await sql(
        api,
        "SELECT id FROM organization WHERE level = 'BRANCH' AND path >= :p AND path < :q"
        " AND id NOT IN (SELECT org_id FROM rectification_case WHERE year = 2026) ORDER BY id DESC"
        " LIMIT 1",
        **inside,
    )
    assert kept and kept[0][0] not in orgs
    idle = (
        await sql(
            api,
            "SELECT id FROM organization WHERE level = 'BRANCH' AND path >= :p AND path < :q"
            " AND id NOT IN (SELECT org_id FROM rectification_case WHERE year = 2026)"
            " AND id <> :k ORDER BY id DESC LIMIT 1",
            k=kept[0][0],
            **inside,
        )
    )[0][0]
    await held_every_rule(api, kept[0][0])
    async with api.engine.begin() as conn:
        run = conn.execute
        # a branch whose activities this year were all called off
        await run(text("UPDATE activity SET state = 'CANCELLED' WHERE org_id = :b"), {"b": idle})
        ids: Any = bindparam("ids", expanding=True)
        await run(
            text(
                "UPDATE organization SET secretary_vacant_since = NULL WHERE id IN :ids"
            ).bindparams(ids),
            {"ids": orgs},
        )
        for org, days in ((vacant_long, 125), (vacant_short, 60)):
            await run(
                text("UPDATE organization SET secretary_vacant_since = :d WHERE id = :i"),
                {"d": TODAY - dt.timedelta(days=days), "i": org},
            )
        await run(
            text(
                "UPDATE org_term SET due_on = :d WHERE ended_on IS NULL AND org_id IN :ids"
            ).bindparams(ids),
            {"d": TODAY + dt.timedelta(days=400), "ids": orgs},
        )
        for org, days in ((overdue, -10), (due_ahead, 10)):
            await run(
                text("UPDATE org_term SET due_on = :d WHERE org_id = :i AND ended_on IS NULL"),
                {"d": TODAY + dt.timedelta(days=days), "i": org},
            )
        # a development candidate (发展对象) named a year ago in `developed`'s subtree
        path = (
            await run(text("SELECT path FROM organization WHERE id = :i"), {"i": developed})
        ).scalar()
        member = (
            await run(
                text(
                    "SELECT id FROM member WHERE org_path >= :p AND org_path < :q"
                    " ORDER BY id LIMIT 1"
                ),
                {"p": path, "q": path[:-1] + "0"},
            )
        ).scalar()
        case_id = (
            await run(text("SELECT coalesce(max(id), 0) + 1000 FROM development_case"))
        ).scalar()
        await run(
            text(
                "INSERT INTO development_case (id, member_id, org_path, status, next_step,"
                " extension_months, version, opened_on) VALUES (:c, :m, :p, 'DONE', 26, 0, 1, :d)"
            ),
            {"c": case_id, "m": member, "p": path, "d": TODAY - dt.timedelta(days=700)},
        )
        await run(
            text(
                "INSERT INTO development_record (case_id, step, decision, level, acted_on, late)"
                " VALUES (:c, 7, 'PASS', 'BRANCH', :d, :f)"
            ),
            {"c": case_id, "d": TODAY - dt.timedelta(days=365), "f": False},
        )
    for org, last_place, satisfied in ((last, True, 80), (low, False, 59), (fine, False, 60)):
        assess = {
            "organizationId": gid("Organization", org),
            "year": 2026,
            "lastPlace": last_place,
            "satisfactionPercent": satisfied,
        }
        assert (await api.data(ASSESS, {"in": assess}, user="shengquan_admin"))[
            "recordOrgAssessment"
        ]
    body = await api.post(
        ASSESS, {"in": {**assess, "satisfactionPercent": 101}}, user="shengquan_admin"
    )
    assert code(body) == "BAD_USER_INPUT"
    body = await api.post(ASSESS, {"in": assess}, user="huxi_secretary")
    assert code(body) == "NOT_FOUND"

    outside = "SELECT count(*) FROM rectification_case WHERE NOT (org_path >= :p AND org_path < :q)"
    before = (await sql(api, outside, **inside))[0][0]
    first = (await api.data(SWEEP, {"y": 2026}, user="shengquan_admin"))["runWeakOrgSweep"]
    assert first["proposed"] > 0 and first["found"] >= first["proposed"]
    again = (await api.data(SWEEP, {"y": 2026}, user="shengquan_admin"))["runWeakOrgSweep"]
    assert again["proposed"] == 0 and again["found"] == first["found"]  # idempotent
    assert (await sql(api, outside, **inside))[0][0] == before  # nothing outside 圣泉
    body = await api.post(SWEEP, {"y": 2026}, user="huxi_secretary")
    assert code(body) == "NOT_FOUND"
    body = await api.post(SWEEP, {"y": 2027}, user="shengquan_admin")
    assert code(body) == "BAD_USER_INPUT"

    rows = await sql(
        api,
        "SELECT org_id, reasons FROM rectification_case WHERE year = 2026 AND state = 'PROPOSED'"
        " AND org_path >= :p AND org_path < :q",
        **inside,
    )
    by_org = {org: set(reasons.split(",")) for org, reasons in rows}
    shown = await api.data(
        CASES,
        {"o": await org_gid(api, SHENGQUAN), "s": "PROPOSED", "y": 2026},
        user="shengquan_admin",
    )
    cases = shown["node"]["rectificationCases"]
    assert cases["totalCount"] == len(rows)

    def reasons(org: int) -> set[str]:
        return by_org.get(org, set())

    assert "SECRETARY_VACANT" in reasons(vacant_long)
    assert "SECRETARY_VACANT" not in reasons(vacant_short)
    assert "MISSED_REELECTION" in reasons(overdue)
    assert "MISSED_REELECTION" not in reasons(due_ahead)
    named = await named_in(api, orgs)
    assert developed in named and len(named) < len(orgs)
    bodies = {
        r[0]
        for r in await sql(
            api,
            "SELECT id FROM organization WHERE level IN ('COMMUNITY', 'VILLAGE', 'BASE_COMMITTEE')"
            " AND id IN (" + ",".join(map(str, orgs)) + ")",
        )
    }
    assert bodies - named  # a developing body with no candidate, to be found
    for org in orgs:
        assert ("NO_DEVELOPMENT" in reasons(org)) == (org in bodies - named), org
    # a branch is not held to the rule: the bodies that develop members are (社区/村, 基层党委)
    branches = [
        r[0]
        for r in await sql(
            api,
            "SELECT id FROM organization WHERE level IN ('BRANCH', 'GENERAL_BRANCH')"
            " AND path >= :p AND path < :q AND dissolved_on IS NULL",
            **inside,
        )
    ]
    unnamed = set(branches) - await named_in(api, branches)
    assert unnamed and not any("NO_DEVELOPMENT" in reasons(b) for b in unnamed)
    assert reasons(last) >= {"LAST_IN_ASSESSMENT"} and "LOW_SATISFACTION" not in reasons(last)
    assert "LOW_SATISFACTION" in reasons(low) and "LAST_IN_ASSESSMENT" not in reasons(low)
    assert not reasons(fine) & {"LAST_IN_ASSESSMENT", "LOW_SATISFACTION"}
    # 三会一课: a branch that held nothing this year is found, one that held every rule is not
    never = await sql(api, NEVER_HELD_SQL, **inside, **stored_year(2026))
    assert idle in {r[0] for r in never} and "LIFE_NOT_HELD" in reasons(idle)
    assert "LIFE_NOT_HELD" not in reasons(kept[0][0])
