"""Organisation writes: create under a parent, update with a version, dissolve empty or merged;
refusals answer out of scope like missing."""

import datetime as dt

from sqlalchemy import text

from domain.org import CHILD_LEVELS
from models import OrgLevel
from tests.conftest import NOW, Api
from tests.test_write import audited_refusal, gid

TODAY = NOW.date()
CREATE = """mutation($p: ID!, $n: String!, $c: String!, $l: OrgLevel!, $k: BranchKind,
  $e: Date) { createOrganization(input: {parentId: $p, name: $n, code: $c, level: $l,
  orgType: COMMUNITY, branchKind: $k, establishedOn: $e, contactPhone: "023-47521234"}) {
  organization { id name level branchKind depth version contactPhone termYears
    parent { name } } } }"""
UPDATE = """mutation($o: ID!, $v: Int!, $n: String, $s: ID, $vac: Boolean) {
  updateOrganization(input: {organizationId: $o, expectedVersion: $v, name: $n,
  secretaryId: $s, vacateSecretary: $vac, contactPerson: "王芳"}) {
  organization { id name version contactPerson secretaryVacantSince secretary { name } } } }"""
DISSOLVE = """mutation($o: ID!, $m: ID) { dissolveOrganization(input: {organizationId: $o,
  mergeIntoId: $m}) { organization { id dissolvedOn version } } }"""
CHILDREN = """query($o: ID!) { organization(id: $o) { children(first: 100) { totalCount
  edges { node { id } } } stats { byLevel { key count } } } }"""


async def refusal(api: Api, query: str, variables: dict, user: str) -> dict:
    """The error of a refused mutation (an existing target out of scope is also recorded in
    its own org's trail, so `audited_refusal`'s single row does not apply)."""
    body = await api.post(query, variables, user=user)
    assert body["data"] is None or not any(body["data"].values()), body
    return body["errors"][0]


async def rows(api: Api, sql: str, **params) -> list:
    async with api.engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def org(api: Api, name: str) -> tuple[int, str]:
    (found,) = await rows(api, "SELECT id, path FROM organization WHERE name = :n", n=name)
    return found[0], found[1]


async def test_the_demo_tree_keeps_the_level_rules(api: Api) -> None:
    """Every parent → child pair the seed builds is one `CHILD_LEVELS` allows."""
    pairs = await rows(
        api,
        "SELECT DISTINCT p.level, c.level FROM organization c"
        " JOIN organization p ON p.id = c.parent_id",
    )
    assert len(pairs) >= 10
    for parent, child in pairs:
        assert OrgLevel[child] in CHILD_LEVELS[OrgLevel[parent]], (parent, child)


async def test_create_under_a_parent(writable_api: Api) -> None:
    api = writable_api
    huxi, huxi_path = await org(api, "中共浒溪社区党委")
    made = (
        await api.data(
            CREATE,
            {
                "p": gid("Organization", huxi),
                "n": "中共浒溪社区网格第九党支部",
                "c": "HX-G9",
                "l": "BRANCH",
                "k": "GRID",
                "e": "2026-11-01",
            },
            user="shengquan_admin",
        )
    )["createOrganization"]["organization"]
    assert made["parent"]["name"] == "中共浒溪社区党委"
    assert (made["level"], made["branchKind"], made["version"]) == ("BRANCH", "GRID", 1)
    assert made["termYears"] == 3 and made["contactPhone"] == "023-47521234"
    pk, path = await org(api, "中共浒溪社区网格第九党支部")
    assert path == f"{huxi_path}{pk}/" and made["depth"] == huxi_path.count("/") - 1
    trail = await rows(
        api,
        "SELECT scope_path, success FROM audit_log WHERE operation = 'createOrganization'"
        " AND target = :t",
        t=gid("Organization", pk),
    )
    assert trail == [(path, True)]
    # a branch without a kind is a regular one; the same code again is a conflict
    plain = {"p": gid("Organization", huxi), "n": "另一支部", "c": "HX-G9", "l": "BRANCH"}
    error = await audited_refusal(api, "createOrganization", CREATE, plain, "shengquan_admin")
    assert error["extensions"]["code"] == "CONFLICT" and "HX-G9" in error["message"]


async def test_create_refusals(writable_api: Api) -> None:
    api = writable_api
    huxi, _ = await org(api, "中共浒溪社区党委")
    parent = gid("Organization", huxi)
    base = {"p": parent, "n": "x", "c": "X-1", "l": "BRANCH"}
    cases = [
        ({"l": "STREET"}, "may not hold a STREET"),
        ({"l": "GENERAL_BRANCH", "k": "GRID"}, "branchKind is only for branches"),
        ({"e": (TODAY + dt.timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ({"n": "  "}, "name must not be empty"),
    ]
    for change, message in cases:
        error = await audited_refusal(
            api, "createOrganization", CREATE, {**base, **change}, "shengquan_admin"
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and message in error["message"]
    # out of scope answers exactly like a missing parent
    missing = await audited_refusal(
        api,
        "createOrganization",
        CREATE,
        {**base, "p": gid("Organization", 9_999_999)},
        "banan_admin",
    )
    outside = await refusal(api, CREATE, base, "banan_admin")
    assert outside == missing and missing["extensions"]["code"] == "NOT_FOUND"
    # a secretary may read the community but not change the tree
    denied = await refusal(api, CREATE, base, "huxi_secretary")
    assert denied == missing


async def test_update_with_a_version_and_the_secretary_post(writable_api: Api) -> None:
    api = writable_api
    branch, _ = await org(api, "中共浒溪社区第一党支部")
    oid = gid("Organization", branch)
    ((secretary, name),) = await rows(
        api,
        "SELECT o.secretary_id, m.name FROM organization o JOIN member m ON m.id = o.secretary_id"
        " WHERE o.id = :o",
        o=branch,
    )
    vacated = (await api.data(UPDATE, {"o": oid, "v": 1, "vac": True}, user="shengquan_admin"))[
        "updateOrganization"
    ]["organization"]
    assert vacated["secretary"] is None and vacated["secretaryVacantSince"] == TODAY.isoformat()
    assert (vacated["version"], vacated["contactPerson"]) == (2, "王芳")
    assert await rows(api, "SELECT party_post FROM member WHERE id = :m", m=secretary) == [(None,)]
    stale = await audited_refusal(
        api, "updateOrganization", UPDATE, {"o": oid, "v": 1, "n": "旧名"}, "shengquan_admin"
    )
    assert stale["extensions"]["code"] == "CONFLICT"
    (other,) = await rows(
        api,
        "SELECT id FROM member WHERE org_id = :o AND status = 'FULL' AND id != :m LIMIT 1",
        o=branch,
        m=secretary,
    )
    appointed = (
        await api.data(
            UPDATE, {"o": oid, "v": 2, "s": gid("Member", other[0])}, user="shengquan_admin"
        )
    )["updateOrganization"]["organization"]
    assert appointed["secretary"]["name"] != name and appointed["secretaryVacantSince"] is None
    posts = await rows(api, "SELECT party_post FROM member WHERE id = :m", m=other[0])
    assert posts == [("SECRETARY",)]
    (outsider,) = await rows(
        api,
        "SELECT id FROM member WHERE org_path NOT LIKE :p AND status = 'FULL' LIMIT 1",
        p="%/" + str(branch) + "/%",
    )
    error = await refusal(
        api, UPDATE, {"o": oid, "v": 3, "s": gid("Member", outsider[0])}, "shengquan_admin"
    )
    assert "secretaryId" in error["message"]
    trail = await rows(
        api,
        "SELECT before, after FROM audit_log WHERE operation = 'updateOrganization'"
        " AND success = :t AND target = :o ORDER BY id",
        t=True,
        o=oid,
    )
    assert len(trail) == 2 and "secretary_vacant_since" in trail[0][1]
    missing = await audited_refusal(
        api,
        "updateOrganization",
        UPDATE,
        {"o": gid("Organization", 9_999_999), "v": 1},
        "banan_admin",
    )
    outside = await refusal(api, UPDATE, {"o": oid, "v": 3}, "banan_admin")
    assert outside == missing


async def test_dissolve_empty_or_merged(writable_api: Api) -> None:
    api = writable_api
    huxi, _ = await org(api, "中共浒溪社区党委")
    community = gid("Organization", huxi)
    made = (
        await api.data(
            CREATE,
            {"p": community, "n": "中共浒溪社区临时党支部", "c": "HX-T1", "l": "BRANCH"},
            user="shengquan_admin",
        )
    )["createOrganization"]["organization"]
    before = (await api.data(CHILDREN, {"o": community}, user="shengquan_admin"))["organization"]
    dissolved = (await api.data(DISSOLVE, {"o": made["id"]}, user="shengquan_admin"))[
        "dissolveOrganization"
    ]["organization"]
    assert dissolved["dissolvedOn"] == TODAY.isoformat() and dissolved["version"] == 2
    after = (await api.data(CHILDREN, {"o": community}, user="shengquan_admin"))["organization"]
    ids = {e["node"]["id"] for e in after["children"]["edges"]}
    assert made["id"] not in ids
    assert after["children"]["totalCount"] == before["children"]["totalCount"] - 1
    branches = {b["key"]: b["count"] for b in after["stats"]["byLevel"]}["BRANCH"]
    assert branches == {b["key"]: b["count"] for b in before["stats"]["byLevel"]}["BRANCH"] - 1
    listed = await api.data(
        '{ organizations(search: "临时党支部", first: 10) { totalCount } }',
        user="shengquan_admin",
    )
    assert listed["organizations"]["totalCount"] == 0
    node = await api.data(
        "query($o: ID!) { node(id: $o) { ... on Organization { dissolvedOn } } }",
        {"o": made["id"]},
        user="shengquan_admin",
    )
    assert node["node"]["dissolvedOn"] == TODAY.isoformat()  # kept: history names it
    again = await audited_refusal(
        api, "dissolveOrganization", DISSOLVE, {"o": made["id"]}, "shengquan_admin"
    )
    assert again["extensions"]["code"] == "NOT_FOUND"

    # a branch with members: refused alone, merged into another branch of the street
    first, _ = await org(api, "中共浒溪社区第一党支部")
    into, into_path = await org(api, "中共鼎山社区网格第一党支部")
    (n,) = await rows(api, "SELECT COUNT(*) FROM member WHERE org_id = :o", o=first)
    (dues,) = await rows(
        api,
        "SELECT COUNT(*) FROM dues_month d JOIN member m ON m.id = d.member_id WHERE m.org_id = :o",
        o=first,
    )
    assert n[0] > 3 and dues[0] > 0
    alone = await audited_refusal(
        api,
        "dissolveOrganization",
        DISSOLVE,
        {"o": gid("Organization", first)},
        "shengquan_admin",
    )
    assert "mergeIntoId" in alone["message"]
    not_a_branch = await audited_refusal(
        api,
        "dissolveOrganization",
        DISSOLVE,
        {"o": gid("Organization", first), "m": community},
        "shengquan_admin",
    )
    assert "must name a branch" in not_a_branch["message"]
    nonempty = await audited_refusal(
        api, "dissolveOrganization", DISSOLVE, {"o": community}, "shengquan_admin"
    )
    assert "child organisations" in nonempty["message"]
    await api.data(
        DISSOLVE,
        {"o": gid("Organization", first), "m": gid("Organization", into)},
        user="shengquan_admin",
    )
    assert await rows(api, "SELECT COUNT(*) FROM member WHERE org_id = :o", o=first) == [(0,)]
    moved = await rows(
        api,
        "SELECT COUNT(*) FROM dues_month d JOIN member m ON m.id = d.member_id"
        " WHERE m.org_id = :o AND d.org_path = :p",
        o=into,
        p=into_path,
    )
    assert moved[0][0] >= dues[0]
    # out of scope answers like missing
    missing = await audited_refusal(
        api,
        "dissolveOrganization",
        DISSOLVE,
        {"o": gid("Organization", 9_999_999)},
        "banan_admin",
    )
    outside = await refusal(api, DISSOLVE, {"o": gid("Organization", into)}, "banan_admin")
    assert outside == missing
