"""The study board (`Organization.studyBoard`) for the city, a district and a branch: its
median time and the statements one board takes.

Usage: python -m bench.learning DATABASE_URL [--runs 5] [--year 2026]
       (a Chongqing-scale database; work on a copy: reading it changes nothing, but the
       copies are what the benchmarks own)
"""

import argparse
import asyncio
import base64

from sqlalchemy import event, text

from bench.common import graphql_call, summary, timed
from server.db import make_engine
from server.settings import async_url

QUERY = """query($id: ID!, $year: Int) { organization(id: $id) {
  studyBoard(year: $year, first: 20) { members met rate
    belowTarget { minutes targetMinutes member { name } } } } }"""
SCOPES = (
    ("city (重庆市)", "cq_admin", "中共重庆市委"),
    ("district (江津区)", "jiangjin_admin", "中共重庆市江津区委员会"),
    ("branch (网格第一党支部)", "qnt_grid1_secretary", "中共青年塘社区网格第一党支部"),
)


async def main(url: str, runs: int, year: int) -> None:
    engine = make_engine(url)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for label, user, name in SCOPES:
        async with engine.connect() as conn:
            org_id = await conn.scalar(
                text("SELECT id FROM organization WHERE name = :n"), {"n": name}
            )
        gid = base64.b64encode(f"Organization:{org_id}".encode()).decode()
        call = graphql_call(engine, user, QUERY, {"id": gid, "year": year})
        statements.clear()
        board = (await call())["organization"]["studyBoard"]
        print(
            f"{label}: {board['members']:,} members, {board['met']:,} met "
            f"(rate {board['rate']:.3f}), {len(statements)} statements"
        )
        summary(f"board, {label} ({engine.dialect.name})", await timed(call, runs))
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    asyncio.run(main(async_url(args.url), args.runs, args.year))
