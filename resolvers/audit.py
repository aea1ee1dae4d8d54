"""Reading the audit trail (auditors and administrators, within scope) and its retention; rows
are written by the write template (`resolvers.write`)."""

import datetime as dt
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Select, delete
from sqlalchemy.ext.asyncio import AsyncSession

from authz.registry import scoped, unscoped
from authz.resources import Action, Resource
from domain.clock import clock
from models import AuditEntry
from resolvers.batch import count_rows
from resolvers.context import Context
from resolvers.pagination import Order, Page, Window, make_page, paged

NEWEST_FIRST = Order(None, AuditEntry.id, descending=True)


def scoped_audit(ctx: Context) -> Select:
    return scoped(ctx.scope(Resource.AUDIT, Action.READ), AuditEntry, *AuditEntry.__table__.c)


async def audit_log(ctx: Context, operation: str | None, window: Window) -> Page[Row]:
    stmt = scoped_audit(ctx)
    if operation:
        stmt = stmt.where(AuditEntry.operation == operation)
    rows = (await ctx.session.execute(paged(stmt, NEWEST_FIRST, window))).all()
    return make_page(rows, NEWEST_FIRST, window, lambda: count_rows(ctx.session, stmt))


async def get_entry(ctx: Context, pk: int) -> Row | None:
    """One entry of the caller's audit scope (None outside it, as for a missing one)."""
    return (await ctx.session.execute(scoped_audit(ctx).where(AuditEntry.id == pk))).first()


async def purge(session: AsyncSession, retention_days: int, today: dt.date) -> int:
    """Delete rows older than the retention period; returns how many."""
    cutoff = clock().start_of(today - dt.timedelta(days=retention_days))
    done = await session.execute(
        unscoped(
            delete(AuditEntry).where(AuditEntry.at < cutoff),
            why="retention is run by the operator (dangjian audit-purge), over every scope",
        )
    )
    await session.commit()
    return cast("CursorResult[Any]", done).rowcount
