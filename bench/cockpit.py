"""The cockpit (驾驶舱) at Chongqing scale: the period's indicators with byChild, and the
12-month trend, for the city (cq_admin) and a district (jiangjin_admin); with --per-source,
each registered source alone (which one costs what).

Usage: python -m bench.cockpit DATABASE_URL [--runs 5] [--per-source] [--user NAME ...]
"""

import argparse
import asyncio

from bench.common import graphql_call, summary, timed
from resolvers import cockpit
from server.db import make_engine
from server.settings import async_url

USERS = ("jiangjin_admin", "cq_admin")
FIGURES = "indicators { key numerator denominator rate }"
QUERIES = {
    "period + byChild": f"{{ cockpit {{ {FIGURES} byChild(first: 100) {{ edges {{ node {{ name "
    f"{FIGURES} }} }} }} }} }}",
    "trend": f"{{ cockpit {{ trend {{ edges {{ node {{ month {FIGURES} }} }} }} }} }}",
}


async def run(url: str, runs: int, per_source: bool, users: list[str]) -> None:
    engine = make_engine(url)
    name = engine.dialect.name
    for user in users:
        for label, query in QUERIES.items():
            times = await timed(graphql_call(engine, user, query), runs)
            summary(f"{user} {label} ({name})", times)
    if per_source:
        everything = dict(cockpit.SOURCES)
        for key, entry in everything.items():
            cockpit.SOURCES.clear()
            cockpit.SOURCES[key] = entry
            for label in ("period + byChild", "trend"):
                times = await timed(graphql_call(engine, users[-1], QUERIES[label]), runs)
                summary(f"{key.name} {label} ({name})", times)
        cockpit.SOURCES.clear()
        cockpit.SOURCES.update(everything)
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--per-source", action="store_true", help="as the last user")
    parser.add_argument("--user", action="append", help=f"instead of {', '.join(USERS)}")
    args = parser.parse_args()
    asyncio.run(run(async_url(args.url), args.runs, args.per_source, args.user or list(USERS)))
