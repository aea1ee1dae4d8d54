"""Shared timing helpers: medians and p90 from one run (these machines are shared and noisy)."""

import datetime as dt
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry import Schema

from authz.principal import load_principal
from domain.calendar import parse_period
from domain.clock import clock
from models.base import as_stored
from resolvers.context import Context
from schema import build_schema
from server.db import Session

WARMUP = 3


@cache
def shared_schema() -> Schema:
    """One schema for the whole run, as in a server process (its caches warm up)."""
    return build_schema()


async def timed(
    fn: Callable[[], Awaitable[Any]],
    runs: int,
    *,
    before: Callable[[], Awaitable[Any]] | None = None,
) -> list[float]:
    """Seconds per call of `fn` after a few warm-up calls; `before`, untimed, before each."""
    times = []
    for i in range(runs + WARMUP):
        if before is not None:
            await before()
        started = time.perf_counter()
        await fn()
        if i >= WARMUP:
            times.append(time.perf_counter() - started)
    return times


def graphql_call(
    engine: AsyncEngine, user: str, query: str, variables: dict | None = None
) -> Callable[[], Awaitable[Any]]:
    """One in-process GraphQL execution as `user`, with its own session, like a request."""
    schema = shared_schema()

    async def call() -> Any:
        async with Session(engine, expire_on_commit=False) as session:
            principal = await load_principal(session, user)
            ctx = Context(session, principal)
            result = await schema.execute(query, variable_values=variables, context_value=ctx)
            await ctx.settle()
        assert result.errors is None, result.errors
        return result.data

    return call


def summary(label: str, times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    median = statistics.median(times) * 1000
    p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)] * 1000
    print(f"{label:<34} median {median:8.2f} ms   p90 {p90:8.2f} ms   n={len(times)}")
    return {"median_ms": round(median, 3), "p90_ms": round(p90, 3)}


def this_year() -> dict[str, dt.datetime]:
    """The business year's bounds as stored (naive UTC), for raw SQL over moments."""
    year = parse_period(None, clock().today())
    return {"a": as_stored(year.start_at), "b": as_stored(year.end_at)}
