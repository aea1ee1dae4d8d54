"""Scope predicates and single-object checks against an independent tree walk."""

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from authz.enforcer import can, roles_with
from authz.principal import load_principal
from authz.resources import Action, Resource, known
from authz.scope import Scope, scope_for
from datagen.anchors import ACCOUNTS
from models import Member
from tests.oracle import ADMIN_ROLES, TreeOracle

USERNAMES = [a[0] for a in ACCOUNTS]


async def scoped_member_ids(engine: AsyncEngine, scope: Scope) -> set[int]:
    async with engine.connect() as conn:
        stmt = scope.apply(select(Member.id), Member.org_path, Member.id)
        return set((await conn.scalars(stmt)).all())


@pytest.mark.parametrize("username", USERNAMES)
async def test_member_scope_equals_tree_walk(db: AsyncEngine, username: str) -> None:
    oracle = await TreeOracle.load(db)
    grants, me = await oracle.grants(db, username)
    expected = oracle.members_under([o for r, o in grants if r in ADMIN_ROLES])
    if me is not None:
        expected.add(me)
    async with AsyncSession(db) as session:
        principal = await load_principal(session, username)
    assert principal is not None
    got = await scoped_member_ids(db, scope_for(principal, "member", "read"))
    assert got == expected
    assert got, "every demo account sees at least one member"


async def test_scope_sizes_are_nested(db: AsyncEngine) -> None:
    sizes = {}
    async with AsyncSession(db) as session:
        for name in ("cq_admin", "jiangjin_admin", "shengquan_admin", "huxi_secretary", "ouli"):
            principal = await load_principal(session, name)
            assert principal is not None
            sizes[name] = len(await scoped_member_ids(db, scope_for(principal, "member", "read")))
    assert sizes["cq_admin"] > sizes["jiangjin_admin"] > sizes["shengquan_admin"]
    assert sizes["shengquan_admin"] > sizes["huxi_secretary"] >= 52
    assert sizes["ouli"] == 1


async def test_city_grant_emits_no_predicate(db: AsyncEngine) -> None:
    async with AsyncSession(db) as session:
        principal = await load_principal(session, "cq_admin")
    assert principal is not None
    scope = scope_for(principal, "member", "read")
    assert scope.everything
    stmt = scope.apply(select(Member.id), Member.org_path, Member.id)
    assert stmt.whereclause is None
    assert "WHERE" not in str(stmt)


async def test_member_self_scope_and_pii(db: AsyncEngine) -> None:
    async with AsyncSession(db) as session:
        ouli = await load_principal(session, "ouli")
        auditor = await load_principal(session, "jiangjin_auditor")
        assert ouli is not None and auditor is not None
        assert ouli.member_id is not None
        own_path = await session.scalar(select(Member.org_path).where(Member.id == ouli.member_id))
        other = await session.scalar(
            select(Member.id).where(Member.org_path == own_path, Member.id != ouli.member_id)
        )
    assert own_path is not None
    assert can(ouli, "member", "read", own_path, ouli.member_id)
    assert can(ouli, "member.pii", "read", own_path, ouli.member_id)
    assert not can(ouli, "member", "read", own_path, other)
    # the auditor reads members of 江津区 but never their PII
    assert can(auditor, "member", "read", own_path, other)
    assert not can(auditor, "member.pii", "read", own_path, other)
    assert scope_for(auditor, "member.pii", "read").empty


async def test_single_object_check_agrees_with_scope(db: AsyncEngine) -> None:
    oracle = await TreeOracle.load(db)
    async with AsyncSession(db) as session:
        paths = dict((await session.execute(select(Member.id, Member.org_path))).all())
        for name in ("banan_admin", "qnt_grid1_secretary", "chenjia"):
            principal = await load_principal(session, name)
            assert principal is not None
            scope = scope_for(principal, "member", "read")
            grants, me = await oracle.grants(db, name)
            expected = oracle.members_under([o for r, o in grants if r in ADMIN_ROLES])
            expected |= {me} if me else set()
            for member_id, path in list(paths.items())[::7]:
                allowed = can(principal, "member", "read", path, member_id)
                assert allowed == scope.covers(path, member_id) == (member_id in expected)


async def test_inactive_account_sees_nothing(db: AsyncEngine) -> None:
    async with AsyncSession(db) as session:
        principal = await load_principal(session, "jiangjin_admin")
    assert principal is not None
    off = replace(principal, active=False)
    assert scope_for(off, "member", "read").empty
    assert not can(off, "org", "read", principal.grants[0].path)


def test_policy_speaks_only_of_known_resources_and_actions() -> None:
    """Resources and actions are enums: a typo in the policy or in code fails at once."""
    lines = [
        [part.strip() for part in line.split(",")]
        for line in (Path(__file__).parent.parent / "authz" / "policy.csv").read_text().splitlines()
        if line.startswith("p,")
    ]
    pairs = {known(resource, action) for _, _, resource, action in lines}
    assert {r for r, _ in pairs} == set(Resource)
    assert {a for _, a in pairs} == set(Action)
    with pytest.raises(ValueError):
        roles_with("dues", "raed")
