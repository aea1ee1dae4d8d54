"""Role grants and accounts (任免): who grants which role where, accounts of members, and the
grant a party post calls for; every refusal answers like a missing target and is audited."""

import base64

import pytest
from sqlalchemy import text

from domain.account import check_fits, check_username, may_grant, offered_role
from domain.errors import RuleViolation
from models import OrgLevel, PartyPost
from tests.conftest import Api

GRANT = """mutation($u: String!, $r: String!, $o: ID!) {
  grantRole(input: {username: $u, role: $r, organizationId: $o}) {
    grant { id role scope { name level } account { username } } } }"""
REVOKE = """mutation($in: RevokeRoleInput!) { revokeRole(input: $in) {
  revokedGrantId account { username } } }"""
CREATE = """mutation($m: ID!, $u: String!) { createAccount(input: {memberId: $m, username: $u}) {
  account { id username displayName active version member { name } } } }"""
VERSIONED = """mutation($a: ID!, $v: Int!) { %s(input: {accountId: $a, expectedVersion: $v}) {
  account { active version } } }"""
OFFER = """query($id: ID!) { node(id: $id) { ... on Member { name partyPost
  offeredGrant { role scope { name level } account { username } } } } }"""
VIEWER = "{ viewer { username grants { role scope { name } } } }"


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def one(api: Api, statement: str, **params):
    async with api.engine.connect() as conn:
        return await conn.scalar(text(statement), params)


async def org(api: Api, name: str) -> str:
    return gid(
        "Organization", await one(api, "SELECT id FROM organization WHERE name = :n", n=name)
    )


async def account_id(api: Api, username: str) -> int:
    return await one(api, "SELECT id FROM account WHERE username = :u", u=username)


def code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


async def trail(api: Api, operation: str) -> list[tuple]:
    async with api.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT username, success = true, error_code, target FROM audit_log "
                "WHERE operation = :o ORDER BY id"
            ),
            {"o": operation},
        )
        return [tuple(r) for r in rows]


HUXI_BRANCH = "中共浒溪社区第一党支部"


async def test_a_street_administrator_grants_within_the_street(writable_api: Api) -> None:
    """shengquan_admin makes 殷江洪 branch secretary of his branch: granted once, recorded once;
    sent again it answers the same grant."""
    api = writable_api
    branch = await org(api, HUXI_BRANCH)
    variables = {"u": "huxi_secretary", "r": "branch_secretary", "o": branch}
    first = (await api.data(GRANT, variables, user="shengquan_admin"))["grantRole"]["grant"]
    assert first["role"] == "branch_secretary"
    assert first["scope"] == {"name": HUXI_BRANCH, "level": "BRANCH"}
    assert first["account"] == {"username": "huxi_secretary"}
    again = (await api.data(GRANT, variables, user="shengquan_admin"))["grantRole"]["grant"]
    assert again["id"] == first["id"]
    assert [t[:3] for t in await trail(api, "grantRole")] == [("shengquan_admin", True, None)]
    viewer = await api.data(VIEWER, user="huxi_secretary")
    assert {"role": "branch_secretary", "scope": {"name": HUXI_BRANCH}} in viewer["viewer"][
        "grants"
    ]
    # the holder's next request is under the new grant: the principal is read per request
    revoked = await api.data(REVOKE, {"in": {"grantId": first["id"]}}, user="shengquan_admin")
    assert revoked["revokeRole"] == {
        "revokedGrantId": first["id"],
        "account": {"username": "huxi_secretary"},
    }
    viewer = await api.data(VIEWER, user="huxi_secretary")
    assert all(g["role"] != "branch_secretary" for g in viewer["viewer"]["grants"])
    # revoked once, the grant is missing
    body = await api.post(REVOKE, {"in": {"grantId": first["id"]}}, user="shengquan_admin")
    assert code(body) == "NOT_FOUND"


async def test_grants_outside_the_subtree_or_above_the_tier_answer_as_missing(
    writable_api: Api,
) -> None:
    api = writable_api
    jiangjin = await org(api, "中共重庆市江津区委员会")
    banan = await org(api, "中共重庆市巴南区委员会")
    city = await org(api, "中共重庆市委")
    missing = gid("Organization", 9_999_999)
    cases = [
        # (caller, username, role, org, code)
        ("shengquan_admin", "huxi_secretary", "district_admin", jiangjin, "NOT_FOUND"),
        ("jiangjin_admin", "huxi_secretary", "district_admin", banan, "NOT_FOUND"),
        ("jiangjin_admin", "huxi_secretary", "city_admin", city, "NOT_FOUND"),
        ("jiangjin_admin", "huxi_secretary", "district_admin", missing, "NOT_FOUND"),
        ("huxi_secretary", "ouli", "branch_secretary", await org(api, HUXI_BRANCH), "NOT_FOUND"),
        # the account is out of scope: 巴南's administrator holds nothing in 江津
        ("jiangjin_admin", "banan_admin", "auditor", jiangjin, "NOT_FOUND"),
        ("jiangjin_admin", "nobody_at_all", "auditor", jiangjin, "NOT_FOUND"),
        # the role does not fit the organisation's level
        ("cq_admin", "huxi_secretary", "branch_secretary", jiangjin, "BAD_USER_INPUT"),
        ("cq_admin", "huxi_secretary", "member", jiangjin, "BAD_USER_INPUT"),
        ("cq_admin", "huxi_secretary", "emperor", jiangjin, "BAD_USER_INPUT"),
        # nobody grants to themselves (回避)
        ("jiangjin_admin", "jiangjin_admin", "auditor", jiangjin, "FORBIDDEN"),
    ]
    for caller, username, role, where, expected in cases:
        body = await api.post(GRANT, {"u": username, "r": role, "o": where}, user=caller)
        assert code(body) == expected, (caller, username, role, body)
    refused = [t for t in await trail(api, "grantRole") if not t[1]]
    assert {u for u, *_ in refused} == {c for c, *_ in cases}
    assert len([r for r in refused if r[3] is None]) == len(cases)  # one row under the caller
    # a found organisation out of the caller's reach is recorded in its own trail too
    assert any(t[3] == banan for t in refused)
    # only a city administrator grants city roles; a district grants at its own level
    granted = await api.data(
        GRANT, {"u": "jiangjin_admin", "r": "auditor", "o": city}, user="cq_admin"
    )
    assert granted["grantRole"]["grant"]["scope"]["level"] == "CITY"
    city_grant = {"grantId": granted["grantRole"]["grant"]["id"]}
    assert (await api.data(REVOKE, {"in": city_grant}, user="cq_admin"))["revokeRole"]
    body = await api.post(
        GRANT, {"u": "shengquan_admin", "r": "district_admin", "o": jiangjin}, user="jiangjin_admin"
    )
    assert body["data"]["grantRole"]["grant"]["role"] == "district_admin"
    named = {"username": "shengquan_admin", "role": "district_admin", "organizationId": jiangjin}
    done = await api.data(REVOKE, {"in": named}, user="jiangjin_admin")
    assert done["revokeRole"]["revokedGrantId"] == body["data"]["grantRole"]["grant"]["id"]


async def test_revocations_follow_the_same_rule(writable_api: Api) -> None:
    api = writable_api
    jiangjin = await org(api, "中共重庆市江津区委员会")
    auditor = {"username": "jiangjin_auditor", "role": "auditor", "organizationId": jiangjin}
    # below the tier of the grant, or outside: as missing
    for caller in ("shengquan_admin", "banan_admin", "huxi_secretary"):
        body = await api.post(REVOKE, {"in": auditor}, user=caller)
        assert code(body) == "NOT_FOUND", caller
    own = {"username": "jiangjin_admin", "role": "district_admin", "organizationId": jiangjin}
    assert code(await api.post(REVOKE, {"in": own}, user="jiangjin_admin")) == "FORBIDDEN"
    ouli_org = await one(
        api,
        "SELECT g.org_id FROM role_grant g JOIN account a ON a.id = g.account_id "
        "WHERE a.username = 'ouli'",
    )
    self_role = {
        "username": "ouli",
        "role": "member",
        "organizationId": gid("Organization", ouli_org),
    }
    assert (
        code(await api.post(REVOKE, {"in": self_role}, user="jiangjin_admin")) == "BAD_USER_INPUT"
    )
    assert code(await api.post(REVOKE, {"in": {"username": "ouli"}}, user="jiangjin_admin")) == (
        "BAD_USER_INPUT"
    )
    done = await api.data(REVOKE, {"in": auditor}, user="jiangjin_admin")
    assert done["revokeRole"]["account"] is None  # it holds nothing in 江津 any more
    body = await api.post("{ members(first: 1) { totalCount } }", user="jiangjin_auditor")
    assert body["data"]["members"]["totalCount"] == 0  # no role left: an empty scope
    rows = await trail(api, "revokeRole")
    assert rows[-1][:3] == ("jiangjin_admin", True, None)


async def member_in(api: Api, branch: str, post: str | None) -> int:
    clause = "m.party_post IS NULL" if post is None else f"m.party_post = '{post}'"
    return await one(
        api,
        "SELECT MIN(m.id) FROM member m JOIN organization o ON o.id = m.org_id "
        f"WHERE o.name = :b AND {clause} AND NOT EXISTS "
        "(SELECT 1 FROM account a WHERE a.member_id = m.id)",
        b=branch,
    )


async def test_accounts_for_members(writable_api: Api) -> None:
    """Created in scope (username unique, idempotent); deactivated, reactivated and signed out
    by version; each takes effect on the account's next request."""
    api = writable_api
    member = gid("Member", await member_in(api, HUXI_BRANCH, None))
    assert code(await api.post(CREATE, {"m": member, "u": "lin_x"}, user="banan_admin")) == (
        "NOT_FOUND"
    )
    assert code(await api.post(CREATE, {"m": member, "u": "Lin X"}, user="shengquan_admin")) == (
        "BAD_USER_INPUT"
    )
    taken = await api.post(CREATE, {"m": member, "u": "huxi_secretary"}, user="shengquan_admin")
    assert code(taken) == "BAD_USER_INPUT" and "taken" in taken["errors"][0]["message"]
    made = (await api.data(CREATE, {"m": member, "u": "lin_x"}, user="shengquan_admin"))[
        "createAccount"
    ]["account"]
    assert made["username"] == "lin_x" and made["active"] and made["version"] == 1
    assert made["displayName"] == made["member"]["name"]
    again = await api.data(CREATE, {"m": member, "u": "lin_x"}, user="shengquan_admin")
    assert again["createAccount"]["account"]["id"] == made["id"]
    other = await api.post(CREATE, {"m": member, "u": "lin_y"}, user="shengquan_admin")
    assert "already has the account lin_x" in other["errors"][0]["message"]
    assert [t[:2] for t in await trail(api, "createAccount")].count(("shengquan_admin", True)) == 1

    viewer = await api.data(VIEWER, user="lin_x")
    assert viewer["viewer"]["grants"] == [{"role": "member", "scope": {"name": HUXI_BRANCH}}]
    a = made["id"]
    stale = await api.post(VERSIONED % "deactivateAccount", {"a": a, "v": 7}, user="jiangjin_admin")
    assert code(stale) == "CONFLICT"
    off = await api.data(VERSIONED % "deactivateAccount", {"a": a, "v": 1}, user="jiangjin_admin")
    assert off["deactivateAccount"]["account"] == {"active": False, "version": 2}
    assert code(await api.post(VIEWER, user="lin_x")) == "UNAUTHENTICATED"
    on = await api.data(VERSIONED % "reactivateAccount", {"a": a, "v": 2}, user="jiangjin_admin")
    assert on["reactivateAccount"]["account"] == {"active": True, "version": 3}
    assert "errors" not in await api.post(VIEWER, user="lin_x")
    out = await api.data(VERSIONED % "signOutAccount", {"a": a, "v": 3}, user="shengquan_admin")
    assert out["signOutAccount"]["account"]["version"] == 4
    assert code(await api.post(VIEWER, user="lin_x")) == "UNAUTHENTICATED"  # token version 1
    fresh = await api.post(VIEWER, token=api.token("lin_x", version=2))
    assert fresh["data"]["viewer"]["username"] == "lin_x"


async def test_accounts_out_of_reach(writable_api: Api) -> None:
    """An account above the caller or elsewhere answers as missing; one's own is refused."""
    api = writable_api
    for caller, target in [
        ("jiangjin_admin", "cq_admin"),
        ("jiangjin_admin", "banan_admin"),
        ("shengquan_admin", "jiangjin_auditor"),
        ("huxi_secretary", "ouli"),
    ]:
        a = gid("Account", await account_id(api, target))
        body = await api.post(VERSIONED % "signOutAccount", {"a": a, "v": 1}, user=caller)
        assert code(body) == "NOT_FOUND", (caller, target)
        seen = await api.post("query($id: ID!) { node(id: $id) { id } }", {"id": a}, user=caller)
        assert seen["data"]["node"] is None
    me = gid("Account", await account_id(api, "jiangjin_admin"))
    body = await api.post(VERSIONED % "deactivateAccount", {"a": me, "v": 1}, user="jiangjin_admin")
    assert code(body) == "FORBIDDEN"
    # an account that also holds a role elsewhere is managed only by whom could grant it all
    huxi = gid("Account", await account_id(api, "huxi_secretary"))
    banan = await org(api, "中共重庆市巴南区委员会")
    elsewhere = await api.data(
        GRANT, {"u": "huxi_secretary", "r": "auditor", "o": banan}, user="cq_admin"
    )
    body = await api.post(VERSIONED % "signOutAccount", {"a": huxi, "v": 1}, user="jiangjin_admin")
    assert code(body) == "FORBIDDEN" and "auditor" in body["errors"][0]["message"]
    grant = {"grantId": elsewhere["grantRole"]["grant"]["id"]}
    assert (await api.data(REVOKE, {"in": grant}, user="cq_admin"))["revokeRole"]
    # 殷江洪 holds community_secretary at his 党委: within the street's reach
    body = await api.post(VERSIONED % "signOutAccount", {"a": huxi, "v": 1}, user="shengquan_admin")
    assert body["data"]["signOutAccount"]["account"]["version"] == 2


async def test_a_secretary_post_offers_the_matching_grant(writable_api: Api) -> None:
    api = writable_api
    secretary = gid("Member", await member_in(api, "中共浒溪社区第二党支部", "SECRETARY"))
    data = await api.data(OFFER, {"id": secretary}, user="shengquan_admin")
    assert data["node"]["partyPost"] == "SECRETARY"
    assert data["node"]["offeredGrant"] == {
        "role": "branch_secretary",
        "scope": {"name": "中共浒溪社区第二党支部", "level": "BRANCH"},
        "account": None,
    }
    # seen only by whom could grant it: not the community secretary (signed out above)
    body = await api.post(OFFER, {"id": secretary}, token=api.token("huxi_secretary", 2))
    assert body["data"]["node"]["name"] and body["data"]["node"]["offeredGrant"] is None
    # held already: no offer (程振国 is his grid branch's branch_secretary)
    cheng = await one(api, "SELECT member_id FROM account WHERE username = 'qnt_grid1_secretary'")
    held = await api.data(OFFER, {"id": gid("Member", cheng)}, user="cq_admin")
    assert held["node"]["partyPost"] == "SECRETARY" and held["node"]["offeredGrant"] is None
    # a member without a post has none
    plain = gid("Member", await member_in(api, "中共浒溪社区第二党支部", None))
    assert (await api.data(OFFER, {"id": plain}, user="jiangjin_admin"))["node"][
        "offeredGrant"
    ] is None
    # accepted: the account made and the role granted, the offer is gone
    made = await api.data(CREATE, {"m": secretary, "u": "huxi_second"}, user="shengquan_admin")
    offer = (await api.data(OFFER, {"id": secretary}, user="shengquan_admin"))["node"]
    assert offer["offeredGrant"]["account"] == {"username": "huxi_second"}
    assert made["createAccount"]["account"]["username"] == "huxi_second"
    await api.data(
        GRANT,
        {
            "u": "huxi_second",
            "r": "branch_secretary",
            "o": await org(api, "中共浒溪社区第二党支部"),
        },
        user="shengquan_admin",
    )
    offer = (await api.data(OFFER, {"id": secretary}, user="shengquan_admin"))["node"]
    assert offer["offeredGrant"] is None


ORG_GRANTS = """query($o: ID!) { node(id: $o) { ... on Organization {
  grants(first: 50) { totalCount edges { node { role account { username
    grants(first: 5) { totalCount edges { node { role } } } } } } } } } }"""


async def test_grant_lists(api: Api) -> None:
    """The grants of a subtree, as its administrators see them; nothing for a member."""
    jiangjin = await org(api, "中共重庆市江津区委员会")
    data = await api.data(ORG_GRANTS, {"o": jiangjin}, user="jiangjin_admin")
    grants = data["node"]["grants"]
    held = {(e["node"]["role"], e["node"]["account"]["username"]) for e in grants["edges"]}
    assert {
        ("district_admin", "jiangjin_admin"),
        ("street_admin", "shengquan_admin"),
        ("community_secretary", "huxi_secretary"),
        ("auditor", "jiangjin_auditor"),
        ("member", "ouli"),
    } <= held
    assert all(u not in {"cq_admin", "banan_admin"} for _, u in held)
    assert grants["totalCount"] == len(held)
    street = await api.data(ORG_GRANTS, {"o": jiangjin}, user="shengquan_admin")
    assert street["node"] is None or street["node"]["grants"]["totalCount"] < len(held)
    as_auditor = await api.data(ORG_GRANTS, {"o": jiangjin}, user="jiangjin_auditor")
    assert as_auditor["node"]["grants"]["totalCount"] == len(held)
    as_member = await api.data(
        "{ viewer { member { organization { grants { totalCount } } account { id } } } }",
        user="ouli",
    )
    member = as_member["viewer"]["member"]
    assert member["organization"] is None or member["organization"]["grants"]["totalCount"] == 0
    assert member["account"] is None
    # another district's grants are not a node to 江津
    banan_grant = await one(
        api,
        "SELECT g.id FROM role_grant g JOIN account a ON a.id = g.account_id "
        "WHERE a.username = 'banan_admin'",
    )
    seen = await api.post(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": gid("Grant", banan_grant)},
        user="jiangjin_admin",
    )
    assert seen["data"]["node"] is None


def test_the_rules_of_granting() -> None:
    """domain/account.py: tiers, fits, posts, names (what the API cases above rely on)."""
    assert may_grant(["district_admin"], "street_admin", OrgLevel.STREET)
    assert may_grant(["district_admin"], "district_admin", OrgLevel.DISTRICT)  # its own tier
    assert not may_grant(["street_admin"], "district_admin", OrgLevel.DISTRICT)
    assert not may_grant(["street_admin", "auditor"], "auditor", OrgLevel.CITY)
    assert may_grant(["city_admin"], "city_admin", OrgLevel.CITY)  # only the city grants it
    assert not may_grant(["community_secretary"], "branch_secretary", OrgLevel.BRANCH)
    assert not may_grant(["city_admin"], "member", OrgLevel.BRANCH)
    check_fits("community_secretary", OrgLevel.VILLAGE)
    for role, level in [("district_admin", OrgLevel.STREET), ("member", OrgLevel.BRANCH)]:
        with pytest.raises(RuleViolation):
            check_fits(role, level)
    assert offered_role(PartyPost.SECRETARY, OrgLevel.BRANCH) == "branch_secretary"
    assert offered_role(PartyPost.SECRETARY, OrgLevel.VILLAGE) == "community_secretary"
    assert offered_role(PartyPost.SECRETARY, OrgLevel.GROUP) is None
    assert offered_role(PartyPost.DEPUTY_SECRETARY, OrgLevel.BRANCH) is None
    assert check_username(" huxi_second ") == "huxi_second"
    for bad in ("ab", "Huxi", "1abc", "hu xi", "胡溪", "a" * 65):
        with pytest.raises(RuleViolation):
            check_username(bad)
