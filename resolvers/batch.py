"""Many small keyed selects as one UNION ALL statement: nested connections without N+1."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Row, Select, literal, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

# SQLite refuses compound selects of more than 500 terms.
MAX_TERMS = 250
KEY = "batch_key"


async def keyed_union(
    session: AsyncSession, stmts: Sequence[Select], order: Sequence[str] = ()
) -> list[list[Row]]:
    """Rows of each statement (identical columns), in input order, each sorted by `order`
    (output column names, `-name` for descending)."""
    out: list[list[Row]] = [[] for _ in stmts]
    for start in range(0, len(stmts), MAX_TERMS):
        part = stmts[start : start + MAX_TERMS]
        subs = [s.subquery() for s in part]
        terms = [select(literal(start + i).label(KEY), *sub.c) for i, sub in enumerate(subs)]
        stmt = terms[0] if len(terms) == 1 else union_all(*terms)
        keys = [literal_column(KEY)] + [
            literal_column(o[1:]).desc() if o.startswith("-") else literal_column(o) for o in order
        ]
        for row in await session.execute(stmt.order_by(*keys)):
            out[row[0]].append(row)
    return out


async def rows_by_id(
    session: AsyncSession, stmt: Select, id_col: ColumnElement[int], ids: Sequence[int]
) -> list[Row | None]:
    """Rows of `stmt` for `ids`, in the order asked, None where there is none."""
    found = {r.id: r for r in await session.execute(stmt.where(id_col.in_(ids)))}
    return [found.get(i) for i in ids]
