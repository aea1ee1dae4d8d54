"""Batched pages: one statement for all pages, their totals only when asked, once."""

import asyncio
from dataclasses import dataclass

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Organization
from resolvers.batch import page_batch
from resolvers.pagination import Order, Window
from server.db import Session

BY_ID = Order(None, Organization.id)


FIVE = Window("Organization.children", first=5)


@dataclass(frozen=True)
class Key:
    parent_id: int | None
    window: Window = FIVE


def children(key: Key):
    return select(Organization.id, Organization.name).where(Organization.parent_id == key.parent_id)


async def test_totals_run_once_when_asked_and_survive_a_cancelled_caller(db: AsyncEngine) -> None:
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    async with Session(db) as session:
        parents = (
            await session.scalars(
                select(Organization.parent_id)
                .where(Organization.parent_id.is_not(None))
                .group_by(Organization.parent_id)
                .having(func.count() > 1)
                .limit(2)
            )
        ).all()
        expected = [
            await session.scalar(
                select(func.count()).where(Organization.parent_id == p).select_from(Organization)
            )
            for p in parents
        ]
        event.listen(db.sync_engine, "before_cursor_execute", seen)
        try:
            pages = await page_batch(session, [Key(p) for p in parents], children, BY_ID)
            assert len(statements) == 1  # the pages; no count yet
            first = asyncio.ensure_future(pages[0].count())
            await asyncio.sleep(0)
            first.cancel()  # e.g. a sibling field failed and graphql-core cancelled this one
            with pytest.raises(asyncio.CancelledError):
                await first
            assert await pages[1].count() == expected[1]
            assert await pages[0].count() == expected[0]
            assert len(statements) == 2  # one count statement for both pages
        finally:
            event.remove(db.sync_engine, "before_cursor_execute", seen)
