"""A move racing the writes that copy org paths, on both databases: whichever holds the tree
first, the other waits, and afterwards no row keeps an old path (`resolvers.rehome.hold_tree`).
"""

import asyncio

import pytest
from sqlalchemy import select

from authz.paths import subtree
from models import DuesBase, Member
from resolvers import org as org_resolvers
from resolvers.rehome import hold_tree, path_columns
from server.db import Session
from tests.conftest import NOW, Api
from tests.test_org_writes import rows
from tests.test_write import gid

MOVE = """mutation($o: ID!, $p: ID!) { moveOrganization(input: {organizationId: $o,
  newParentId: $p}) { organization { id } } }"""
SET_BASE = """mutation($m: ID!) { setDuesBase(input: {memberId: $m, year: 2027,
  monthlyBaseFen: 600000}) { ledger { year } } }"""
STREET, JIANGJIN, BANAN = "中共圣泉街道党工委", "中共重庆市江津区委员会", "中共重庆市巴南区委员会"
HELD = 0.5  # seconds the other side is seen waiting


async def org(api: Api, name: str) -> tuple[int, str]:
    ((pk, path),) = await rows(api, "SELECT id, path FROM organization WHERE name = :n", n=name)
    return pk, path


async def full_member(api: Api, path: str, skip: int) -> int:
    """A full, employed member of the street without a dues base for 2027."""
    found = await rows(
        api,
        "SELECT id FROM member WHERE org_path >= :a AND org_path < :b AND status = 'FULL'"
        " AND dues_category = 'EMPLOYED' AND id NOT IN (SELECT member_id FROM dues_base"
        " WHERE year = 2027) ORDER BY id",
        a=path,
        b=path[:-1] + "0",
    )
    return found[skip][0]


async def nothing_left_under(api: Api, old: str) -> None:
    for table, column in path_columns():
        (left,) = await rows(
            api,
            f"SELECT COUNT(*) FROM {table.name} WHERE {column.name} >= :a AND {column.name} < :b",
            a=old,
            b=old[:-1] + "0",
        )
        assert left == (0,), f"{table.name}.{column.name} keeps {old}"


async def test_a_write_waits_for_a_move_in_progress(
    writable_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The move has rewritten the paths but not committed; a write copying a member's path
    (a dues base copies `member.org_path`) starts then. Without the tree lock it would read
    the old path (PostgreSQL: the committed one; SQLite: outside a write transaction) and
    commit a row the move never sees."""
    api = writable_api
    street, old = await org(api, STREET)
    banan, banan_path = await org(api, BANAN)
    member = await full_member(api, old, 0)
    reached, gate = asyncio.Event(), asyncio.Event()
    real = org_resolvers.move_subtree

    async def paused(session, before: str, after: str) -> int:
        moved = await real(session, before, after)
        reached.set()
        await gate.wait()
        return moved

    monkeypatch.setattr(org_resolvers, "move_subtree", paused)
    move = asyncio.create_task(
        api.post(
            MOVE,
            {"o": gid("Organization", street), "p": gid("Organization", banan)},
            user="cq_admin",
        )
    )
    try:
        await asyncio.wait_for(reached.wait(), 30)
        write = asyncio.create_task(
            api.post(SET_BASE, {"m": gid("Member", member)}, user="cq_admin")
        )
        await asyncio.sleep(HELD)
        waited = not write.done()
    finally:
        gate.set()  # a failure must not leave the move open
    moved, written = await move, await write
    assert waited, "the write did not wait for the move"
    assert "errors" not in moved and "errors" not in written, (moved, written)
    ((copied, own),) = await rows(
        api,
        "SELECT b.org_path, m.org_path FROM dues_base b JOIN member m ON m.id = b.member_id"
        " WHERE b.member_id = :m AND b.year = 2027",
        m=member,
    )
    assert copied == own and copied.startswith(f"{banan_path}{street}/")
    await nothing_left_under(api, old)


async def test_a_move_waits_for_a_write_in_progress(writable_api: Api) -> None:
    """A write holding the tree shared has read a member's path and not yet written its copy;
    a move starts then and waits, and then rewrites the copy too."""
    api = writable_api
    street, old = await org(api, STREET)
    jiangjin, jiangjin_path = await org(api, JIANGJIN)
    member = await full_member(api, old, 1)
    async with Session(api.engine) as session:
        await hold_tree(session, alone=False)
        path = await session.scalar(select(Member.org_path).where(Member.id == member))
        assert path is not None and path.startswith(old)
        move = asyncio.create_task(
            api.post(
                MOVE,
                {"o": gid("Organization", street), "p": gid("Organization", jiangjin)},
                user="cq_admin",
            )
        )
        await asyncio.sleep(HELD)
        waited = not move.done()
        session.add(
            DuesBase(
                member_id=member,
                org_path=path,
                year=2027,
                category="EMPLOYED",
                monthly_base_fen=600000,
                monthly_payable_fen=9000,
                owed_from=2027 * 12,
                rule_set="中组发〔2008〕3号",
                set_on=NOW.date(),
            )
        )
        await session.commit()
    moved = await move
    assert waited, "the move did not wait for the write"
    assert "errors" not in moved, moved
    async with Session(api.engine) as session:
        copied = await session.scalar(
            select(DuesBase.org_path).where(DuesBase.member_id == member, DuesBase.year == 2027)
        )
        assert copied is not None and copied.startswith(f"{jiangjin_path}{street}/")
        assert (
            await session.scalar(select(Member.id).where(subtree(Member.org_path, old)).limit(1))
            is None
        )
    await nothing_left_under(api, old)
