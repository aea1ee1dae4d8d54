"""The 三会一课 compliance board (`Organization.lifeCompliance`) for a district and for the
city: its median time, and the statements one board takes.

Usage: python -m bench.activity DATABASE_URL [--runs 15] [--period 2026]
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

QUERY = """query($id: ID!, $period: String) { organization(id: $id) {
  lifeCompliance(period: $period) { branches branchesMissing themeDayRate
    rules { type due held } byChild { organization { name } branches branchesMissing } } } }"""
SCOPES = (
    ("district (江津区)", "jiangjin_admin", "中共重庆市江津区委员会"),
    ("city (重庆市)", "cq_admin", "中共重庆市委"),
)


async def main(url: str, runs: int, period: str) -> None:
    engine = make_engine(url)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for label, user, name in SCOPES:
        async with engine.connect() as conn:
            org_id = await conn.scalar(
                text("SELECT id FROM organization WHERE name = :n"), {"n": name}
            )
        gid = base64.b64encode(f"Organization:{org_id}".encode()).decode()
        call = graphql_call(engine, user, QUERY, {"id": gid, "period": period})
        statements.clear()
        board = (await call())["organization"]["lifeCompliance"]
        print(
            f"{label}: {board['branches']:,} branches, {board['branchesMissing']:,} missing "
            f"something, theme-day rate {board['themeDayRate']:.3f}, "
            f"{len(statements)} statements"
        )
        summary(f"board, {label} ({engine.dialect.name})", await timed(call, runs))
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--period", default="2026")
    args = parser.parse_args()
    asyncio.run(main(async_url(args.url), args.runs, args.period))
