"""The org tree over HTTP: scoped lists, counts, stats, breadcrumbs and missing ≡ hidden."""

import base64
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import text

from datagen.anchors import ACCOUNTS
from domain.clock import clock
from tests.conftest import Api
from tests.oracle import TreeOracle

ADMINS = [a for a in ACCOUNTS if a[3] is not None]


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def org_id(api: Api, name: str) -> int:
    async with api.engine.connect() as conn:
        return await conn.scalar(text("SELECT id FROM organization WHERE name = :n"), {"n": name})


ORG = """query($id: ID!) { organization(id: $id) {
  name memberCount stats { memberTotal byStatus { key count } byLevel { key count }
    byGender { key count } byEducation { key count } byAgeBand { key count } }
  children(first: 100) { totalCount edges { node { name } } } } }"""


@pytest.mark.parametrize("user, role, scope", [(a[0], a[2], a[3]) for a in ADMINS])
async def test_scope_org_counts_equal_tree_walk(api: Api, user: str, role: str, scope: str) -> None:
    oracle = await TreeOracle.load(api.engine)
    root = await org_id(api, scope)
    data = await api.data(ORG, {"id": gid("Organization", root)}, user=user)
    org = data["organization"]
    members = oracle.members_under([root])
    assert org["memberCount"] == org["stats"]["memberTotal"] == len(members)
    statuses = Counter(oracle.statuses[m] for m in members)
    assert {s["key"]: s["count"] for s in org["stats"]["byStatus"]} == statuses
    assert sum(c["count"] for c in org["stats"]["byLevel"]) == len(oracle.subtree(root))
    assert org["children"]["totalCount"] == len(oracle.children[root])
    expected = await member_breakdowns(api, members)
    for field, counts in expected.items():
        assert {s["key"]: s["count"] for s in org["stats"][field]} == counts


def age_band(born: dt.date, today: dt.date) -> str:
    age = today.year - born.year  # the age reached this year: bands go by the year of birth
    for limit, band in (
        (30, "UNDER_30"),
        (40, "30_39"),
        (50, "40_49"),
        (60, "50_59"),
        (70, "60_69"),
    ):
        if age < limit:
            return band
    return "70_PLUS"


async def member_breakdowns(api: Api, members: set[int]) -> dict[str, Counter]:
    """Gender, education and age-band counts of `members`, counted here from their rows."""
    async with api.engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT id, gender, education, birth_date FROM member"))
        ).all()
    today = clock().today()
    mine = [r for r in rows if r.id in members]
    return {
        "byGender": Counter(r.gender for r in mine),
        "byEducation": Counter(r.education for r in mine),
        "byAgeBand": Counter(
            age_band(
                r.birth_date
                if isinstance(r.birth_date, dt.date)
                else dt.date.fromisoformat(r.birth_date),
                today,
            )
            for r in mine
        ),
    }


@pytest.mark.parametrize("user", [a[0] for a in ACCOUNTS])
async def test_organizations_list_equals_tree_walk(api: Api, user: str) -> None:
    oracle = await TreeOracle.load(api.engine)
    grants, _ = await oracle.grants(api.engine, user)
    expected: set[int] = set()
    for role, org in grants:
        if role != "member":
            expected |= oracle.subtree(org)
    data = await api.data("{ organizations(first: 1) { totalCount } }", user=user)
    assert data["organizations"]["totalCount"] == len(expected)


async def test_breadcrumbs_but_no_parent_above_scope(api: Api) -> None:
    shengquan = await org_id(api, "中共圣泉街道党工委")
    data = await api.data(
        """query($id: ID!) { organization(id: $id) {
        parent { name } ancestors { name level } } }""",
        {"id": gid("Organization", shengquan)},
        user="shengquan_admin",
    )
    org = data["organization"]
    assert org["parent"] is None
    assert [a["name"] for a in org["ancestors"]] == ["中共重庆市委", "中共重庆市江津区委员会"]
    # the district itself is a breadcrumb only: not readable as an organisation
    district = await org_id(api, "中共重庆市江津区委员会")
    hidden = await api.post(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": gid("Organization", district)},
        user="shengquan_admin",
    )
    assert hidden == {"data": {"node": None}}


async def test_out_of_scope_org_behaves_like_missing(api: Api) -> None:
    banan = await org_id(api, "中共重庆市巴南区委员会")
    query = "query($id: ID!) { organization(id: $id) { name } node(id: $id) { id } }"
    hidden = await api.post(query, {"id": gid("Organization", banan)}, user="jiangjin_admin")
    missing = await api.post(query, {"id": gid("Organization", 10**9)}, user="jiangjin_admin")
    assert hidden == missing == {"data": {"organization": None, "node": None}}
    # as `under`, an invisible org gives the same empty list as a missing one
    listing = "query($id: ID!) { members(under: $id) { totalCount edges { cursor } } }"
    under_hidden = await api.post(
        listing, {"id": gid("Organization", banan)}, user="jiangjin_admin"
    )
    under_missing = await api.post(
        listing, {"id": gid("Organization", 10**9)}, user="jiangjin_admin"
    )
    assert under_hidden == under_missing == {"data": {"members": {"totalCount": 0, "edges": []}}}


async def test_under_an_ancestor_is_the_whole_scope(api: Api) -> None:
    city = await org_id(api, "中共重庆市委")
    scoped = await api.data("{ members { totalCount } }", user="huxi_secretary")
    under = await api.data(
        "query($id: ID) { members(under: $id) { totalCount } }",
        {"id": gid("Organization", city)},
        user="huxi_secretary",
    )
    assert under == scoped
    assert scoped["members"]["totalCount"] == 52


async def test_filters_of_organizations(api: Api) -> None:
    data = await api.data(
        """{ organizations(level: COMMUNITY, search: "浒溪", first: 5) {
        edges { node { name level orgType } } } }""",
        user="jiangjin_admin",
    )
    assert [e["node"] for e in data["organizations"]["edges"]] == [
        {"name": "中共浒溪社区党委", "level": "COMMUNITY", "orgType": "COMMUNITY"}
    ]


async def test_viewer_grants(api: Api) -> None:
    data = await api.data(
        "{ viewer { username displayName grants { role scope { name } } } }",
        user="qnt_grid1_secretary",
    )
    assert data["viewer"] == {
        "username": "qnt_grid1_secretary",
        "displayName": "程振国",
        "grants": [{"role": "branch_secretary", "scope": {"name": "中共青年塘社区网格第一党支部"}}],
    }


async def test_search_metacharacters_are_literal(api: Api) -> None:
    for text_ in ("%", "_", "' OR 1=1 --", "\\"):
        data = await api.data(
            "query($s: String) { organizations(search: $s) { totalCount } }",
            {"s": text_},
            user="cq_admin",
        )
        assert data["organizations"]["totalCount"] == 0
