"""A revocation, a deactivation and a force sign-out take effect on the very next request in
every API process: two real `dangjian serve` processes on one PostgreSQL database, the change
made through one, the holder refused by the other at once: the other keeps each principal
from its requests before the change, and must see in the next request's BEGIN that the
authorization epoch moved (server/auth.py)."""

import os
from collections.abc import Iterator

import httpx
import pytest

from tests.process import production_database, run, serving, token


@pytest.fixture(scope="module")
def production() -> Iterator[dict[str, str]]:
    """A production environment on a PostgreSQL database of its own, migrated and seeded."""
    with production_database(f"dangjian_accounts_{os.getpid()}") as env:
        if env is None:
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL not reachable (CI requires it)")
            pytest.skip("PostgreSQL not reachable")
        assert run(env, "db", "upgrade").returncode == 0
        assert run(env, "seed").returncode == 0
        yield env


def post(base: str, bearer: str, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


HUXI = """{ organizations(search: "浒溪社区党委", level: COMMUNITY, first: 1) {
  edges { node { id memberCount } } } members(first: 1) { totalCount } }"""
REVOKE = """mutation($o: ID!) { revokeRole(input: {username: "huxi_secretary",
  role: "community_secretary", organizationId: $o}) { revokedGrantId } }"""
ACCOUNT = """query($u: String!) { organizations(search: $u, first: 1) { edges { node {
  members(first: 100) { edges { node { name account { id username version } } } } } } } }"""
VERSIONED = """mutation($a: ID!, $v: Int!) { %s(input: {accountId: $a, expectedVersion: $v}) {
  account { active version } } }"""
VIEWER = "{ viewer { username } }"


def account_of(base: str, bearer: str, branch: str, username: str) -> dict:
    """The account (id, version) of `username`, a member of `branch`, as an administrator."""
    data = post(base, bearer, ACCOUNT, {"u": branch})["data"]
    members = data["organizations"]["edges"][0]["node"]["members"]["edges"]
    return next(
        m["node"]["account"]
        for m in members
        if m["node"]["account"] and m["node"]["account"]["username"] == username
    )


def test_a_change_through_one_process_is_refused_by_the_other(
    production: dict[str, str],
) -> None:
    env = production
    street, district = token(env, "shengquan_admin"), token(env, "jiangjin_admin")
    huxi, ouli, dujuan = (token(env, u) for u in ("huxi_secretary", "ouli", "dujuan"))
    with serving(env) as one, serving(env) as other:
        # the second process has served each of them before the change
        before = post(other, huxi, HUXI)["data"]
        community = before["organizations"]["edges"][0]["node"]
        assert community["memberCount"] > 1 and before["members"]["totalCount"] > 1
        assert post(other, ouli, VIEWER)["data"]["viewer"]["username"] == "ouli"
        assert post(other, dujuan, VIEWER)["data"]["viewer"]["username"] == "dujuan"

        revoked = post(one, street, REVOKE, {"o": community["id"]})
        assert "errors" not in revoked, revoked
        after = post(other, huxi, HUXI)["data"]
        assert after["organizations"]["edges"] == []  # the community is out of reach at once
        assert after["members"]["totalCount"] == 1  # himself: the self role only

        account = account_of(one, district, "江津区政务服务管理办公室党支部", "ouli")
        off = post(one, district, VERSIONED % "deactivateAccount", {"a": account["id"], "v": 1})
        assert off["data"]["deactivateAccount"]["account"] == {"active": False, "version": 2}
        assert codes(post(other, ouli, VIEWER)) == ["UNAUTHENTICATED"]

        account = account_of(one, district, "江津区人力资源和社会保障局党支部", "dujuan")
        out = post(one, district, VERSIONED % "signOutAccount", {"a": account["id"], "v": 1})
        assert out["data"]["signOutAccount"]["account"]["version"] == 2
        assert codes(post(other, dujuan, VIEWER)) == ["UNAUTHENTICATED"]
        again = token(env, "dujuan")  # signed in again: the new token version
        assert post(other, again, VIEWER)["data"]["viewer"]["username"] == "dujuan"
