"""Community check-in: the composite views against independent SQL, dual visibility, writes."""

import base64
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import Api, stored_year

QUERIES = Path(__file__).resolve().parent.parent / "queries" / "checkin"
YEAR = "2026"
YEAR_BOUNDS = stored_year(2026)  # a, b: the raw SQL's bounds of the year


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


def pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


async def scalar(api: Api, sql: str, **params):
    async with api.engine.connect() as conn:
        return await conn.scalar(text(sql), params)


async def rows(api: Api, sql: str, **params) -> list:
    async with api.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).all()


async def org(api: Api, name: str) -> int:
    return await scalar(api, "SELECT id FROM organization WHERE name = :n", n=name)


async def run_saved(api: Api, name: str, variables: dict, user: str) -> dict:
    return await api.data((QUERIES / f"{name}.graphql").read_text(), variables, user=user)


async def expected_hours(api: Api, community: int) -> dict[int, tuple[float, int]]:
    """check-in id → (verified hours, verified records) in 2026, by plain SQL."""
    found = await rows(
        api,
        """
        SELECT c.id, COALESCE(SUM(s.minutes), 0), COUNT(s.id) FROM check_in c
        LEFT JOIN service_record s ON s.check_in_id = c.id AND s.status = 'VERIFIED'
             AND s.started_at >= :a AND s.started_at < :b
        WHERE c.community_id = :c AND c.status = 'ACTIVE' GROUP BY c.id""",
        **YEAR_BOUNDS,
        c=community,
    )
    return {i: (round(m / 60, 2), n) for i, m, n in found}


async def test_community_view_matches_sql(api: Api) -> None:
    huxi = await org(api, "中共浒溪社区党委")
    data = await run_saved(
        api,
        "community_checkins",
        {"community": gid("Organization", huxi), "period": YEAR, "first": 100},
        "huxi_secretary",
    )
    view = data["organization"]
    edges = view["checkIns"]["edges"]
    assert view["checkIns"]["totalCount"] == len(edges) == 58
    expected = await expected_hours(api, huxi)
    got = {
        pk(e["node"]["id"]): (e["node"]["verifiedHours"], e["node"]["serviceCount"]) for e in edges
    }
    assert got == expected
    # the community sees who serves, with the employer's PII masked
    names = {e["node"]["member"]["name"] for e in edges}
    assert "欧丽" in names and len(names) == 58
    assert all("*" in e["node"]["member"]["phone"] for e in edges)
    summary = view["checkInSummary"]
    assert summary["checkedInMembers"] == 58
    total = await scalar(
        api,
        """SELECT COALESCE(SUM(minutes), 0) FROM service_record
        WHERE community_id = :c AND status = 'VERIFIED' AND started_at >= :a AND started_at < :b""",
        c=huxi,
        **YEAR_BOUNDS,
    )
    assert summary["verifiedHours"] == round(total / 60, 2)
    meeting = await scalar(
        api,
        """SELECT COUNT(*) FROM (SELECT member_id FROM service_record
        WHERE community_id = :c AND status = 'VERIFIED' AND check_in_id IS NOT NULL
          AND started_at >= :a AND started_at < :b
        GROUP BY member_id HAVING SUM(minutes) >= 3000) t""",
        c=huxi,
        **YEAR_BOUNDS,
    )
    assert summary["membersMeetingTarget"] == meeting and summary["hoursTarget"] == 50
    own = await scalar(
        api,
        """SELECT COUNT(DISTINCT s.member_id) FROM service_record s
        JOIN member m ON m.id = s.member_id JOIN organization o ON o.id = m.org_id
        WHERE s.community_id = :c AND s.status = 'VERIFIED' AND s.started_at >= :a
          AND s.started_at < :b AND o.parent_id = :c""",
        c=huxi,
        **YEAR_BOUNDS,
    )
    assert summary["ownMembersServing"] == own > 0
    employers = await scalar(
        api,
        """SELECT COUNT(DISTINCT employer_org_id) FROM check_in
        WHERE community_id = :c AND status = 'ACTIVE'""",
        c=huxi,
    )
    assert summary["employersRepresented"] == employers


async def test_min_hours_filter(api: Api) -> None:
    huxi = await org(api, "中共浒溪社区党委")
    data = await api.data(
        """query($id: ID!) { organization(id: $id) {
        checkIns(period: "2026", minHours: 40, first: 100) { totalCount
          edges { node { verifiedHours } } } } }""",
        {"id": gid("Organization", huxi)},
        user="huxi_secretary",
    )
    expected = [h for h, _ in (await expected_hours(api, huxi)).values() if h >= 40]
    hours = [e["node"]["verifiedHours"] for e in data["organization"]["checkIns"]["edges"]]
    assert sorted(hours) == sorted(expected)
    assert data["organization"]["checkIns"]["totalCount"] == len(expected)


COUNT = "query($id: ID!) { organization(id: $id) { checkIns(first: 1) { totalCount } } }"


async def test_dual_visibility(api: Api) -> None:
    huxi = gid("Organization", await org(api, "中共浒溪社区党委"))
    seen = await api.data(COUNT, {"id": huxi}, user="jiangjin_admin")
    assert seen["organization"]["checkIns"]["totalCount"] == 58
    assert (await api.data(COUNT, {"id": huxi}, user="banan_admin")) == {"organization": None}


async def test_employer_side_sees_her_hours(api: Api) -> None:
    branch = await org(api, "中共江津区政务服务管理办公室党支部")
    await grant(api, "gov_office_secretary", "branch_secretary", branch)
    data = await run_saved(
        api,
        "employer_feedback",
        {"employer": gid("Organization", branch), "period": YEAR},
        "gov_office_secretary",
    )
    edges = data["organization"]["staffCheckIns"]["edges"]
    ouli = [e["node"] for e in edges if e["node"]["member"]["name"] == "欧丽"]
    assert len(ouli) == 1 and ouli[0]["community"]["name"] == "中共浒溪社区党委"
    expected = await expected_hours(api, await org(api, "中共浒溪社区党委"))
    assert (ouli[0]["verifiedHours"], ouli[0]["serviceCount"]) == expected[pk(ouli[0]["id"])]
    # the employer side cannot browse the community itself
    huxi = gid("Organization", await org(api, "中共浒溪社区党委"))
    assert (await api.data(COUNT, {"id": huxi}, user="gov_office_secretary")) == {
        "organization": None
    }


async def grant(api: Api, username: str, role: str, org_id: int) -> None:
    """A test account holding `role` at `org_id` (created once)."""
    if await scalar(api, "SELECT id FROM account WHERE username = :u", u=username):
        return
    async with api.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO account (username, display_name, active, "
                "token_version) VALUES (:u, :u, :t, 1)"
            ),
            {"u": username, "t": True},
        )
        await conn.execute(
            text(
                "INSERT INTO role_grant (account_id, role, org_id) SELECT id, "
                ":r, :o FROM account WHERE username = :u"
            ),
            {"r": role, "o": org_id, "u": username},
        )


async def test_ouli_sees_only_her_own(api: Api) -> None:
    data = await api.data(
        """{ viewer { member { checkIns { id verifiedHours
        community { name } grid { name } member { name } } } } }""",
        user="ouli",
    )
    mine = data["viewer"]["member"]["checkIns"]
    assert len(mine) == 1 and mine[0]["community"]["name"] == "中共浒溪社区党委"
    assert mine[0]["member"]["name"] == "欧丽" and mine[0]["grid"]["name"]
    other = await scalar(
        api,
        """SELECT c.id FROM check_in c JOIN member m ON m.id = c.member_id
        WHERE m.name = '杜娟'""",
    )
    hidden = await api.post(
        "query($id: ID!) { node(id: $id) { id } }", {"id": gid("CheckIn", other)}, user="ouli"
    )
    assert hidden == {"data": {"node": None}}


async def test_dujuan_patrols_at_night(api: Api) -> None:
    data = await api.data(
        """{ viewer { member { checkIns { community { name }
        services(first: 5) { edges { node { description startedAt } } } } } } }""",
        user="dujuan",
    )
    check_in = data["viewer"]["member"]["checkIns"][0]
    assert check_in["community"]["name"] == "中共大西门社区党委"
    records = [e["node"] for e in check_in["services"]["edges"]]
    assert records and all(r["description"] == "夜间巡逻" for r in records)
    assert all(dt.datetime.fromisoformat(r["startedAt"]).hour >= 20 for r in records)


SERVICES_PAGE = """query($after: String) { viewer { member { checkIns {
  services(first: 7, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { id startedAt } } } } } } }"""


async def test_services_page_through_by_start(api: Api) -> None:
    """Cursors over a moment (startedAt) continue where the last page ended, newest first."""
    seen, after = [], None
    while True:
        data = await api.data(SERVICES_PAGE, {"after": after}, user="dujuan")
        page = data["viewer"]["member"]["checkIns"][0]["services"]
        seen += [
            (dt.datetime.fromisoformat(e["node"]["startedAt"]), e["node"]["id"])
            for e in page["edges"]
        ]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == page["totalCount"] > 14
    assert len({i for _, i in seen}) == len(seen)
    assert [t for t, _ in seen] == sorted((t for t, _ in seen), reverse=True)
    forged = base64.urlsafe_b64encode(b'["2026-11-01T10:00:00", 5]').decode()
    body = await api.post(SERVICES_PAGE, {"after": forged}, user="dujuan")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("period", ["2026-13", "26", "2026-Q5", "2026-05-01..2026-04-01"])
async def test_bad_period(api: Api, period: str) -> None:
    body = await api.post(
        """query($p: String) { viewer { member { checkIns { id } } }
        organizations(first: 1) { edges { node { checkInSummary(period: $p) {
          verifiedHours } } } } }""",
        {"p": period},
        user="cq_admin",
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "period must be" in body["errors"][0]["message"]


async def test_teams_and_ouli_grid_post(api: Api) -> None:
    huxi = await org(api, "中共浒溪社区党委")
    data = await api.data(
        """query($id: ID!) { organization(id: $id) {
        serviceTeams { name community { name } leader { name } } } }""",
        {"id": gid("Organization", huxi)},
        user="huxi_secretary",
    )
    teams = data["organization"]["serviceTeams"]
    assert teams and all("红岩先锋" in t["name"] for t in teams)
    assert {t["leader"]["name"] for t in teams} == {"殷江洪"}
    mine = await api.data(
        """{ viewer { member { checkIns { volunteerPosts {
        title grid { name } team } } } } }""",
        user="ouli",
    )
    posts = mine["viewer"]["member"]["checkIns"][0]["volunteerPosts"]
    assert posts == [
        {
            "title": "网格志愿者",
            "grid": {"name": "中共浒溪社区网格党支部"},
            "team": teams[0]["name"],
        }
    ]


PAGE_MEMBERS = """query($id: ID!) { organization(id: $id) { %s(first: 50) {
  edges { node { id m: member { id name phone organization { name } } } } } } }"""
NODE_MEMBERS = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on CheckIn {
  id m: member { id name phone organization { name } } } } }"""


@pytest.mark.parametrize(
    ("user", "place", "side"),
    [
        ("huxi_secretary", "中共浒溪社区党委", "checkIns"),
        ("jiangjin_auditor", "中共重庆市江津区委员会", "staffCheckIns"),
    ],
)
async def test_members_loaded_with_the_page_equal_members_loaded_per_row(
    api: Api, user: str, place: str, side: str
) -> None:
    """A page's members, loaded with the page, are the ones each check-in loads by itself
    (out-of-scope nulls and PII masking included)."""
    data = await api.data(
        PAGE_MEMBERS % side, {"id": gid("Organization", await org(api, place))}, user=user
    )
    nodes = [e["node"] for e in data["organization"][side]["edges"]]
    assert nodes and any(n["m"] for n in nodes)
    alone = await api.data(NODE_MEMBERS, {"ids": [n["id"] for n in nodes]}, user=user)
    assert alone["nodes"] == nodes
