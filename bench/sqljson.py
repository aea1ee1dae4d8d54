"""`python -m bench.sqljson [--sqlite FILE] [--postgres URL]`: the issue's three member pages
in-process as the 江津区 district admin, each answered along the general path and from the
compiled JSON statement (`resolvers/sqljson.py`), both serialised as the endpoint does
(orjson), against the raw SQL returning the same rows; medians and ratios of one run, the
three interleaved call by call."""

import argparse
import asyncio
import statistics
import time

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from authz.principal import load_principal
from bench.common import WARMUP, shared_schema
from bench.peer import member_page
from resolvers.context import Context
from server.db import Session, make_engine
from server.settings import async_url

USER = "jiangjin_admin"
RAW = """SELECT m.id, m.name, m.gender, m.birth_date, m.status, m.phone, m.org_path{org}
FROM member m{join} WHERE m.org_path >= :p AND m.org_path < :q AND m.standing = 'ACTIVE'
ORDER BY m.org_path, m.id LIMIT {limit}"""
COUNT = """SELECT count(*) FROM member WHERE org_path >= :p AND org_path < :q
  AND standing = 'ACTIVE'"""


def call(engine: AsyncEngine, query: str, splice: bool):
    schema = shared_schema()

    async def run() -> bytes:
        async with Session(engine, expire_on_commit=False) as session:
            ctx = Context(session, await load_principal(session, USER))
            ctx.splice = splice
            result = await schema.execute(query, context_value=ctx)
        assert result.errors is None, result.errors
        return orjson.dumps({"data": result.data})

    return run


def raw(engine: AsyncEngine, first: int, organization: bool, counted: bool, where: dict):
    org = (", o.name", " JOIN organization o ON o.id = m.org_id") if organization else ("", "")
    page = text(RAW.format(org=org[0], join=org[1], limit=first + 1))

    async def run() -> None:
        async with engine.connect() as conn:
            (await conn.execute(page, where)).all()
            if counted:
                await conn.scalar(text(COUNT), where)

    return run


async def measure(url: str, runs: int) -> None:
    engine = make_engine(url)
    async with engine.connect() as conn:
        path = await conn.scalar(
            text("SELECT path FROM organization WHERE name = '中共重庆市江津区委员会'")
        )
    where = {"p": path, "q": path[:-1] + "0"}
    cases = ((100, False, True), (100, True, True), (20, False, True), (100, True, False))
    for first, organization, counted in cases:
        pair = member_page(first, organization)
        query, name = pair.ours, pair.name
        if not counted:  # the page alone: what Python adds, without the count's database time
            query, name = query.replace("totalCount ", ""), name.replace(" + totalCount", "")
        general, compiled = call(engine, query, False), call(engine, query, True)
        assert await general() == await compiled(), name
        for _ in range(WARMUP):
            await general(), await compiled()
        calls = {
            "general": general,
            "compiled": compiled,
            "sql": raw(engine, first, organization, counted, where),
        }
        times: dict[str, list[float]] = {k: [] for k in calls}
        for _ in range(runs):  # interleaved: the machine's load falls on all three alike
            for variant, fn in calls.items():
                started = time.perf_counter()
                await fn()
                times[variant].append(time.perf_counter() - started)
        ms = {k: statistics.median(v) * 1000 for k, v in times.items()}
        print(
            f"{engine.dialect.name:<10} {name:<52} general {ms['general']:7.2f} ms"
            f"  compiled {ms['compiled']:7.2f} ms  sql {ms['sql']:6.2f} ms"
            f"  general÷sql {ms['general'] / ms['sql']:5.2f}"
            f"  compiled÷sql {ms['compiled'] / ms['sql']:5.2f}"
            f"  general÷compiled {ms['general'] / ms['compiled']:5.2f}"
        )
    await engine.dispose()


async def main(args: argparse.Namespace) -> None:
    if args.sqlite:
        await measure(f"sqlite+aiosqlite:///{args.sqlite}", args.runs)
    if args.postgres:
        await measure(async_url(args.postgres), args.runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", help="a SQLite file (read only)")
    parser.add_argument("--postgres", help="a PostgreSQL URL (read only)")
    parser.add_argument("--runs", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
