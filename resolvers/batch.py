"""Many small keyed selects as one UNION ALL statement: nested connections without N+1."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Row,
    Select,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from authz.registry import unscoped
from models.base import Column
from resolvers.pagination import Order, Page, Window, make_page, paged

# SQLite refuses compound selects of more than 500 terms.
MAX_TERMS = 250
KEY = "batch_key"


async def keyed_union(
    session: AsyncSession, stmts: Sequence[Select], order: Sequence[str] = ()
) -> list[list[Row]]:
    """Rows of each statement (identical columns), in input order, each sorted by `order`
    (output column names, `-name` for descending)."""
    if len(stmts) == 1 and not order:  # nothing to interleave: the statement as it is
        return [list(await session.execute(stmts[0]))]
    out: list[list[Row]] = [[] for _ in stmts]
    for start in range(0, len(stmts), MAX_TERMS):
        part = stmts[start : start + MAX_TERMS]
        subs = [s.subquery() for s in part]
        terms = [
            unscoped(select(literal(start + i).label(KEY), *sub.c), why="wraps a given statement")
            for i, sub in enumerate(subs)
        ]
        stmt = terms[0] if len(terms) == 1 else union_all(*terms)
        keys: list[Any] = [literal_column(KEY)] + [
            literal_column(o[1:]).desc() if o.startswith("-") else literal_column(o) for o in order
        ]
        for row in await session.execute(stmt.order_by(*keys)):
            out[row[0]].append(row)
    return out


async def rows_by_id(
    session: AsyncSession, stmt: Select, id_col: Column[int], ids: Sequence[int]
) -> list[Row | None]:
    """Rows of `stmt` for `ids`, in the order asked, None where there is none."""
    found = {r.id: r for r in await session.execute(stmt.where(id_col.in_(ids)))}
    return [found.get(i) for i in ids]


async def latest_by_member(
    session: AsyncSession,
    stmt: Select,
    member_col: Column[int],
    id_col: Column[int],
    member_ids: Sequence[int],
) -> list[Row | None]:
    """Each member's latest row of `stmt` (the highest id; a member has few), in the order
    asked, None where there is none: one statement for the batch."""
    found = {
        r.member_id: r
        for r in await session.execute(stmt.where(member_col.in_(member_ids)).order_by(id_col))
    }
    return [found.get(m) for m in member_ids]


def counted_rows(stmt: Select) -> Select:
    """`SELECT COUNT(*) AS n` over the rows of `stmt` (which carries its own scope)."""
    return unscoped(
        select(func.count().label("n")).select_from(stmt.subquery()), why="counts a given statement"
    )


async def count_rows(session: AsyncSession, stmt: Select) -> int:
    """How many rows `stmt` returns: a connection's `totalCount`."""
    return await session.scalar(counted_rows(stmt)) or 0


class PageKey(Protocol):
    """A request for one page: what DataLoader keys of nested connections carry."""

    @property
    def window(self) -> Window: ...


K = TypeVar("K", bound=PageKey)


async def page_batch(
    session: AsyncSession,
    keys: Sequence[K],
    filtered: Callable[[K], Select],
    order: Order,
    dress: Callable[[Select, K], Select] | None = None,
) -> list[Page[Row]]:
    """One page per key, all in one statement; their totals in one more, run only when a
    caller asks for a `totalCount`. `dress` wraps each cut page (its rows in reading
    order) with what is read per row: joined after the cut, for a page's rows only."""
    stmts = [paged(filtered(key), order, key.window) for key in keys]
    if dress is not None:
        stmts = [dress(stmt, key) for stmt, key in zip(stmts, keys, strict=True)]
    sort = [
        ("-" if order.descending else "") + str(c.key)
        for c in (order.key, order.id_col)
        if c is not None
    ]
    if len(stmts) == 1:  # one page: its own ORDER BY and LIMIT, in reading order
        pages = [list(await session.execute(stmts[0]))]
    else:  # the union sorts every page forward: a backward one is read from its end
        pages = [
            rows[::-1] if key.window.backward else rows
            for rows, key in zip(await keyed_union(session, stmts, sort), keys, strict=True)
        ]
    totals: list[asyncio.Task[list[list[Row]]]] = []

    async def all_counts() -> list[list[Row]]:
        """The count statement for every key, run once however many pages ask; one caller
        being cancelled (a failed sibling field) does not cancel it for the others."""
        if not totals:
            counted = [counted_rows(filtered(k)) for k in keys]
            task = asyncio.ensure_future(keyed_union(session, counted))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())  # always retrieved
            totals.append(task)
        return await asyncio.shield(totals[0])

    def count(index: int) -> Callable[[], Awaitable[int]]:
        async def total() -> int:
            return (await all_counts())[index][0].n

        return total

    return [
        make_page(rows, order, k.window, count(i))
        for i, (rows, k) in enumerate(zip(pages, keys, strict=True))
    ]
