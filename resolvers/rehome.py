"""Rewriting the denormalised path copies when organisations or members move.

Rows carry copies of org paths so that subtree filters are index ranges (`authz/paths.py`).
When the tree changes, every copy changes in the same transaction:
- a subtree moves: every `PathString` column of every table (found from the metadata, so a new
  area's copies follow without being listed), under the old prefix, gets the new one;
- members change org (a transfer, a merge): the columns the scope registry declares as
  copying the member's own org path (`Placement.follows`); a host's path stays.
A column marked `info={"history": True}` (the audit trail's, append-only) keeps the path where
its row happened.

No write may copy a path that a move is rewriting: every write of the template holds the tree
shared (`hold_tree`) before it reads a path, and a move or merge holds it alone
(docs/ARCHITECTURE.md, "Moving the tree").
"""

from typing import Any

from sqlalchemy import Select, Table, Update, case, false, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authz.paths import subtree
from authz.registry import REGISTRY, unscoped
from models import Member, Organization
from models.base import Base, PathString


def path_columns() -> list[tuple[Table, Any]]:
    """Every (table, column) that holds an org path, in dependency order."""
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.type is PathString and not column.info.get("history")
    ]


TREE_LOCK = 0x6F7267  # PostgreSQL advisory lock key of the tree ("org")


async def hold_tree(session: AsyncSession, *, alone: bool) -> None:
    """Hold the org tree for this transaction: shared by writes that copy paths, `alone` by
    one that rewrites them. PostgreSQL: a transaction-level advisory lock (no row, so no
    multixact contention among writers). SQLite: writers are serialised by the database,
    but a read outside a write transaction sees paths a move is about to rewrite, so the
    write transaction begins here, before any path is read (an UPDATE of nothing takes the
    write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock if alone else func.pg_advisory_xact_lock_shared
        await session.execute(unscoped(select(lock(TREE_LOCK)), why="a lock, no rows"))
        return
    await session.execute(
        unscoped(
            update(Organization).where(false()).values(depth=Organization.depth),
            why="begins the write transaction: changes no row",
        )
    )


def subtree_moves(old: str, new: str) -> list[tuple[Table, Update]]:
    """The UPDATE of every table holding a path copy that gives the paths under `old` the
    prefix `new` instead (and the orgs their new depth). One per table: a row with two copies
    under the prefix (a service record of a member serving in their own community) is written
    once, not twice."""
    tail = len(old) + 1
    depth_change = new.count("/") - old.count("/")
    tables: dict[Table, list[Any]] = {}
    for table, column in path_columns():
        tables.setdefault(table, []).append(column)
    moves = []
    for table, columns in tables.items():
        values: dict[str, Any] = {
            c.name: literal(new).concat(func.substr(c, tail))
            if len(columns) == 1
            else case((subtree(c, old), literal(new).concat(func.substr(c, tail))), else_=c)
            for c in columns
        }
        if table is Organization.__table__:
            values["depth"] = table.c.depth + depth_change
        moves.append(
            (
                table,
                unscoped(update(table), why="a subtree move authorized by the caller")
                .where(or_(*(subtree(c, old) for c in columns)))
                .values(values)
                .execution_options(synchronize_session=False),
            )
        )
    return moves


async def move_subtree(session: AsyncSession, old: str, new: str) -> int:
    """Give every path under `old` the prefix `new` instead (`subtree_moves`); the number of
    organisations moved. The caller has authorized and locked the move."""
    moved = 0
    for table, statement in subtree_moves(old, new):
        result = await session.execute(statement)
        if table is Organization.__table__:
            moved = result.rowcount  # type: ignore[attr-defined]
    return moved


async def rehome_members(session: AsyncSession, members: Select, org: Organization) -> None:
    """Put the members that `members` (a select of member ids) names in `org`, with every copy
    of their own org path; the dependants first, while `members` still finds them. Their
    archive version moves on: an edit read before the move is stale."""
    ids = members.scalar_subquery()
    for model, placement in REGISTRY.items():
        if placement.follows is None or model is Member:
            continue
        await session.execute(
            unscoped(update(model), why="the members' rows follow them, authorized by the caller")
            .where(placement.member.in_(ids))
            .values({placement.follows.key: org.path})
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        unscoped(update(Member), why="members moved by an authorized transfer or merge")
        .where(Member.id.in_(ids))
        .values(org_id=org.id, org_path=org.path, version=Member.version + 1)
        .execution_options(synchronize_session=False)
    )
