"""Sibling fields that run to the end.

graphql-core 3.3 cancels the pending siblings of a field whose error nulls their parent
(`gather_with_cancel`). A sibling cancelled inside a database call takes its connection with
it: SQLAlchemy then terminates the connection, and on SQLite (aiosqlite) that close could wait
forever, so the request never ended (seen under the leak oracle's generated queries). Here
every sibling finishes — its result discarded, as graphql-core 3.2 did — before the first error
is raised, for this package's executor and graphql-core's own (the stock executor, lists)."""

from asyncio import gather
from collections.abc import Awaitable
from typing import Any

import graphql.execution.executor


async def gather_settled(*awaitables: Awaitable[Any]) -> list[Any]:
    """The results in order once every awaitable is done; the first error, if any, raised."""
    results = await gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


graphql.execution.executor.gather_with_cancel = gather_settled
