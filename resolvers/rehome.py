"""Rewriting the denormalised path copies when organisations or members move.

Rows carry copies of org paths so that subtree filters are index ranges (`authz/paths.py`).
When the tree changes, every copy changes in the same transaction:
- a subtree moves: every `PathString` column of every table (found from the metadata, so a new
  area's copies follow without being listed), under the old prefix, gets the new one;
- members change org (a transfer, a merge): the columns the scope registry declares as
  copying the member's own org path (`Placement.follows`); a host's path stays.
"""

from typing import Any

from sqlalchemy import Select, Table, func, literal, update
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
        if column.type is PathString
    ]


async def move_subtree(session: AsyncSession, old: str, new: str) -> int:
    """Give every path under `old` the prefix `new` instead, and the orgs their new depth;
    the number of organisations moved. The caller has authorized and locked the move."""
    moved = 0
    tail = len(old) + 1
    depth_change = new.count("/") - old.count("/")
    for table, column in path_columns():
        values: dict[str, Any] = {column.name: literal(new).concat(func.substr(column, tail))}
        if table is Organization.__table__:
            values["depth"] = table.c.depth + depth_change
        result = await session.execute(
            unscoped(update(table), why="a subtree move authorized by the caller")
            .where(subtree(column, old))
            .values(values)
            .execution_options(synchronize_session=False)
        )
        if table is Organization.__table__:
            moved = result.rowcount  # type: ignore[attr-defined]
    return moved


async def rehome_members(session: AsyncSession, members: Select, org: Organization) -> None:
    """Put the members that `members` (a select of member ids) names in `org`, with every copy
    of their own org path; the dependants first, while `members` still finds them."""
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
        .values(org_id=org.id, org_path=org.path)
        .execution_options(synchronize_session=False)
    )
