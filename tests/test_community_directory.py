"""The community directory is public on purpose, and reportCheckIn accepts nothing else: any
other id is answered as a missing one, naming no organisation (issue 16, item 10)."""

import json

import pytest

from tests.conftest import Api
from tests.test_checkin_writes import REPORT
from tests.test_development import sql
from tests.test_statement_count import counting
from tests.test_write import gid

DIRECTORY = """query($first: Int, $after: String, $search: String, $district: ID) {
  communities(first: $first, after: $after, search: $search, district: $district) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { communityId name level streetName districtName
      gridBranches { gridId name } } } } }"""
MEMBER = "dujuan"  # 杜娟: a member with no grant


async def whole_directory(api: Api, user: str, first: int) -> tuple[int, list[dict]]:
    """(totalCount, every node) walking the directory `first` at a time."""
    nodes: list[dict] = []
    after = None
    while True:
        page = (await api.data(DIRECTORY, {"first": first, "after": after}, user=user))[
            "communities"
        ]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], nodes
        after = page["pageInfo"]["endCursor"]


async def test_every_member_reads_the_whole_directory(api: Api) -> None:
    """A plain member, with no grant, pages through every community and village of the city,
    with their streets, districts and grid branches; nothing else is in it."""
    total, nodes = await whole_directory(api, MEMBER, 7)
    expected = await sql(
        api,
        """SELECT c.id, c.name, s.name, d.name FROM organization c
        JOIN organization s ON s.id = c.parent_id JOIN organization d ON d.id = s.parent_id
        WHERE c.level IN ('COMMUNITY', 'VILLAGE') ORDER BY c.id""",
    )
    assert total == len(nodes) == len(expected) > 20
    assert [(n["communityId"], n["name"], n["streetName"], n["districtName"]) for n in nodes] == [
        (gid("Organization", i), c, s, d) for i, c, s, d in expected
    ]
    grids = await sql(
        api,
        """SELECT g.parent_id, g.id, g.name FROM organization g JOIN organization c
        ON c.id = g.parent_id WHERE c.level IN ('COMMUNITY', 'VILLAGE')
        AND g.branch_kind = 'GRID' ORDER BY g.id""",
    )
    listed = {(n["communityId"], g["gridId"], g["name"]) for n in nodes for g in n["gridBranches"]}
    assert listed == {(gid("Organization", c), gid("Organization", g), n) for c, g, n in grids}
    assert grids


async def test_the_directory_filters_by_name_and_district(api: Api) -> None:
    ((district, street),) = await sql(
        api,
        """SELECT s.parent_id, s.name FROM organization c JOIN organization s
        ON s.id = c.parent_id WHERE c.name = '中共浒溪社区党委'""",
    )
    found = await api.data(
        DIRECTORY, {"search": "浒溪", "district": gid("Organization", district)}, user=MEMBER
    )
    assert [
        (e["node"]["name"], e["node"]["streetName"]) for e in found["communities"]["edges"]
    ] == [("中共浒溪社区党委", street)]
    street_id = await sql(api, "SELECT parent_id FROM organization WHERE name = '中共浒溪社区党委'")
    for other in (gid("Organization", street_id[0][0]), gid("Member", 1)):  # no district
        none = await api.data(DIRECTORY, {"district": other}, user=MEMBER)
        assert none["communities"] == {
            "totalCount": 0,
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "edges": [],
        }


async def test_directory_statements_do_not_grow_with_the_page(api: Api) -> None:
    counts = []
    for first in (5, 60):
        with counting(api) as statements:
            data = await api.data(DIRECTORY, {"first": first}, user=MEMBER)
        assert len(data["communities"]["edges"]) == first
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 4, counts


def without_ids(body: dict, ids: list[str]) -> str:
    """The response as bytes, with the ids the request named taken out."""
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    for i in ids:
        text = text.replace(i, "<id>")
    return text


async def probe_ids(api: Api) -> tuple[list[str], list[tuple[str, str]]]:
    """Ids of an organisation of every kind that is no community and ids that name nothing;
    and (community, grid) pairs whose grid is none of that community's grid branches."""
    rows = await sql(
        api,
        """SELECT o.id, o.level, o.branch_kind, p.id, p.level FROM organization o
        LEFT JOIN organization p ON p.id = o.parent_id ORDER BY o.id""",
    )
    communities = [r[0] for r in rows if r[1] in ("COMMUNITY", "VILLAGE")]
    others = [r for r in rows if r[1] not in ("COMMUNITY", "VILLAGE")]
    # one of each level and kind, below a community or not
    kinds = {(r[1], r[2], r[4] in ("COMMUNITY", "VILLAGE")): r[0] for r in others}
    assert len(kinds) >= 8, kinds
    home = communities[0]
    foreign_grid = next(r[0] for r in rows if r[2] == "GRID" and r[3] != home)
    not_grids = [r[0] for r in others if r[3] == home and r[2] != "GRID"]
    assert not_grids, "the community has branches that are no grid"
    ids = [gid("Organization", i) for i in (*kinds.values(), 9_999_998, 2**31 - 1)]
    pairs = [(home, g) for g in (foreign_grid, *not_grids, communities[1], 9_999_999)]
    return ids, [(gid("Organization", c), gid("Organization", g)) for c, g in pairs]


async def test_report_check_in_answers_every_other_id_as_a_missing_one(writable_api: Api) -> None:
    """Every kind of organisation that is no community, and ids that name nothing: the same
    bytes but for the id; likewise every grid that is not one of the community's grid
    branches (another community's, its other branches, a community, nothing). No
    organisation is named in any answer, and nothing is written."""
    api = writable_api
    not_communities, not_grids = await probe_ids(api)
    names = [n for (n,) in await sql(api, "SELECT name FROM organization")]
    before = await sql(api, "SELECT COUNT(*) FROM check_in")
    probes = [({"c": org}, [org]) for org in not_communities]
    probes += [({"c": c, "g": g}, [c, g]) for c, g in not_grids]
    answers: dict[bool, set[str]] = {False: set(), True: set()}
    for variables, ids in probes:
        body = await api.post(REPORT, variables, user=MEMBER)
        text = json.dumps(body, ensure_ascii=False)
        assert body["data"] is None and not [n for n in names if n in text], body
        answers["g" in variables].add(without_ids(body, ids))
    assert [len(a) for a in answers.values()] == [1, 1], answers
    assert "communityId must name a community" in answers[False].pop()
    assert "gridId must name a grid branch" in answers[True].pop()
    assert await sql(api, "SELECT COUNT(*) FROM check_in") == before


@pytest.mark.parametrize("with_grid", [False, True])
async def test_a_community_of_the_directory_and_its_grid_are_accepted(
    writable_api: Api, with_grid: bool
) -> None:
    """What the directory lists is what reportCheckIn takes."""
    api = writable_api
    listed = (await api.data(DIRECTORY, {"search": "青年塘"}, user="chenjia"))["communities"]
    node = listed["edges"][0]["node"]
    grid = node["gridBranches"][0]["gridId"] if with_grid else None
    await sql(  # 陈佳 reports afresh
        api,
        "UPDATE check_in SET status = 'ENDED' WHERE member_id = "
        "(SELECT member_id FROM account WHERE username = 'chenjia')",
    )
    done = await api.data(REPORT, {"c": node["communityId"], "g": grid}, user="chenjia")
    assert done["reportCheckIn"]["checkIn"]["community"]["name"] == node["name"]
