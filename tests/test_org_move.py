"""Moving a subtree: 圣泉街道 from 江津区 to 巴南区 as `cq_admin` — counts, check-ins and paths
follow at once, refusals answer out of scope like missing, and the leak oracle still holds."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from tests.conftest import Api
from tests.test_leak_oracle import SCALARS, SDL, USERS, no_leak
from tests.test_org_race import nothing_left_under
from tests.test_org_writes import refusal, rows
from tests.test_write import gid
from tests.visibility import Visible, visible_to

MOVE = """mutation($o: ID!, $p: ID!, $v: Int) { moveOrganization(input: {organizationId: $o,
  newParentId: $p, expectedVersion: $v}) { organization { id depth version parent { name } } } }"""
TOTAL = "{ members(first: 0) { totalCount } }"
COUNTS = """query($o: ID!) { organization(id: $o) { memberCount checkIns(first: 0) { totalCount }
  staffCheckIns(first: 0) { totalCount } } }"""
NAMES = {
    "street": "中共圣泉街道党工委",
    "jiangjin": "中共重庆市江津区委员会",
    "banan": "中共重庆市巴南区委员会",
    "huxi": "中共浒溪社区党委",
    "daximen": "中共大西门社区党委",
    "jijiang": "中共几江街道党工委",
}


@pytest.fixture(scope="module")
async def ids(writable_api: Api) -> dict[str, str]:
    by_name = dict(await rows(writable_api, "SELECT name, id FROM organization"))
    return {key: gid("Organization", by_name[name]) for key, name in NAMES.items()}


async def test_moves_out_of_scope_answer_like_missing(
    writable_api: Api, ids: dict[str, str]
) -> None:
    api, nowhere = writable_api, gid("Organization", 9_999_999)
    # the moved org: banan_admin administers the new parent but not the old one
    missing = await refusal(api, MOVE, {"o": nowhere, "p": ids["banan"]}, "banan_admin")
    outside = await refusal(api, MOVE, {"o": ids["street"], "p": ids["banan"]}, "banan_admin")
    assert outside == missing and missing["extensions"]["code"] == "NOT_FOUND"
    # the street's own administrator may change the street, not take it out of its district
    assert await refusal(api, MOVE, {"o": ids["street"], "p": ids["banan"]}, "shengquan_admin") == (
        await refusal(api, MOVE, {"o": nowhere, "p": ids["banan"]}, "shengquan_admin")
    )
    # the new parent: jiangjin_admin administers the street but not 巴南区
    missing = await refusal(api, MOVE, {"o": ids["street"], "p": nowhere}, "jiangjin_admin")
    outside = await refusal(api, MOVE, {"o": ids["street"], "p": ids["banan"]}, "jiangjin_admin")
    assert outside == missing and "newParentId" in missing["message"]
    assert await refusal(api, MOVE, {"o": ids["huxi"], "p": ids["jijiang"]}, "shengquan_admin") == (
        await refusal(api, MOVE, {"o": ids["huxi"], "p": nowhere}, "shengquan_admin")
    )


async def test_moves_the_rules_refuse(writable_api: Api, ids: dict[str, str]) -> None:
    api = writable_api
    under_itself = await refusal(api, MOVE, {"o": ids["street"], "p": ids["huxi"]}, "cq_admin")
    assert "under itself" in under_itself["message"]
    wrong_level = await refusal(api, MOVE, {"o": ids["street"], "p": ids["daximen"]}, "cq_admin")
    assert "may not hold a STREET" in wrong_level["message"]
    stale = await refusal(api, MOVE, {"o": ids["street"], "p": ids["banan"], "v": 7}, "cq_admin")
    assert stale["extensions"]["code"] == "CONFLICT"
    for error in (under_itself, wrong_level):
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def counts(api: Api, ids: dict[str, str]) -> dict[str, int]:
    out = {}
    for user in ("jiangjin_admin", "banan_admin"):
        out[user] = (await api.data(TOTAL, user=user))["members"]["totalCount"]
    for key, user in (("jiangjin", "jiangjin_admin"), ("banan", "banan_admin")):
        org = (await api.data(COUNTS, {"o": ids[key]}, user=user))["organization"]
        out[f"{key}.community"] = org["checkIns"]["totalCount"]
        out[f"{key}.staff"] = org["staffCheckIns"]["totalCount"]
    return out


async def test_a_street_moves_to_another_district(writable_api: Api, ids: dict[str, str]) -> None:
    """The issue's acceptance: 圣泉街道 under 巴南区, seen at once by both districts."""
    api = writable_api
    street = (await api.data(COUNTS, {"o": ids["street"]}, user="cq_admin"))["organization"]
    huxi = (await api.data(COUNTS, {"o": ids["huxi"]}, user="jiangjin_admin"))["organization"]
    ((old_path, old_depth),) = await rows(
        api, "SELECT path, depth FROM organization WHERE name = :n", n=NAMES["street"]
    )
    before = await counts(api, ids)
    moved = (
        await api.data(MOVE, {"o": ids["street"], "p": ids["banan"], "v": 1}, user="cq_admin")
    )["moveOrganization"]["organization"]
    assert moved["parent"]["name"] == NAMES["banan"] and moved["version"] == 2
    assert moved["depth"] == old_depth
    after = await counts(api, ids)
    n, hosted = street["memberCount"], street["checkIns"]["totalCount"]
    assert n > 100 and hosted >= huxi["checkIns"]["totalCount"] > 0
    assert after["jiangjin_admin"] == before["jiangjin_admin"] - n
    assert after["banan_admin"] == before["banan_admin"] + n
    assert after["jiangjin.community"] == before["jiangjin.community"] - hosted
    assert after["banan.community"] == before["banan.community"] + hosted
    # 浒溪社区's check-ins follow the street: banan_admin sees them all, jiangjin_admin only
    # those of its own staff (欧丽's), from the employer side
    now = (await api.data(COUNTS, {"o": ids["huxi"]}, user="banan_admin"))["organization"]
    assert now["checkIns"]["totalCount"] == huxi["checkIns"]["totalCount"]
    assert (await api.data(COUNTS, {"o": ids["huxi"]}, user="jiangjin_admin"))[
        "organization"
    ] is None
    staff = street["staffCheckIns"]["totalCount"]  # the street's own members, checked in
    assert after["jiangjin.staff"] == before["jiangjin.staff"] - staff
    assert after["banan.staff"] == before["banan.staff"] + staff
    ((ouli,),) = await rows(
        api,
        "SELECT c.id FROM check_in c JOIN member m ON m.id = c.member_id WHERE m.name = '欧丽'"
        " AND c.community_id = (SELECT id FROM organization WHERE name = :n)",
        n=NAMES["huxi"],
    )
    node = "query($id: ID!) { node(id: $id) { id } }"
    for user in ("jiangjin_admin", "banan_admin"):  # 欧丽's: her employer's and the host's
        seen = await api.data(node, {"id": gid("CheckIn", ouli)}, user=user)
        assert seen["node"] is not None, user
    # no row anywhere keeps the old path, but the audit trail, which keeps where things were
    await nothing_left_under(api, old_path)
    ((new_path,),) = await rows(
        api, "SELECT path FROM organization WHERE name = :n", n=NAMES["street"]
    )
    trail = await rows(
        api,
        "SELECT scope_path, username FROM audit_log WHERE operation = 'moveOrganization'"
        " AND success = :t",
        t=True,
    )
    assert trail == [(new_path, "cq_admin")]


@pytest.fixture(scope="module")
async def visibility(writable_api: Api) -> dict[str, Visible]:
    """Computed after the move (the tests above ran first, in file order)."""
    (moved,) = await rows(
        writable_api,
        "SELECT COUNT(*) FROM audit_log WHERE operation = 'moveOrganization' AND success = :t",
        t=True,
    )
    assert moved[0] == 1, "the move above comes first"
    return {user: await visible_to(writable_api.engine, user) for user in USERS}


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(query=queries(SDL, custom_scalars=SCALARS, allow_x00=False), user=st.sampled_from(USERS))
async def test_the_leak_oracle_holds_after_the_move(
    writable_api: Api, visibility: dict[str, Visible], query: str, user: str
) -> None:
    await no_leak(writable_api, visibility[user], query, user)
