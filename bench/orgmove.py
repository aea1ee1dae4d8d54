"""Moving a street of about 5,000 members to another district (`moveOrganization` in process,
as `cq_admin`), back and forth, on a COPY of a Chongqing-scale database: every path copy of
the subtree is rewritten each time, so the figure is the whole move. The seeded streets are
smaller (the largest has about a thousand members), so beside the largest street the move of
the district's child (street, township or base committee) nearest 5,000 members is timed too.

Usage: python -m bench.orgmove [--sqlite FILE] [--postgres URL] [--runs 7]
  --sqlite: a Chongqing-scale SQLite file, copied to a temporary file first
  --postgres: a Chongqing-scale PostgreSQL database, copied with CREATE DATABASE … TEMPLATE
    into a temporary database, dropped afterwards
"""

import argparse
import asyncio
import base64
import shutil
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.common import graphql_call, summary, timed
from server.db import make_engine, upgrade

MOVE = """mutation($o: ID!, $p: ID!) { moveOrganization(input: {organizationId: $o,
  newParentId: $p}) { organization { id depth } } }"""
WANTED = 5_000  # members of the street moved
PATH_COLUMNS_SQL = "SELECT org_path, COUNT(*) FROM member GROUP BY org_path"


def gid(pk: int) -> str:
    return base64.b64encode(f"Organization:{pk}".encode()).decode()


@asynccontextmanager
async def sqlite_copy(source: str) -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="orgmove-") as tmp:
        target = Path(tmp) / "copy.db"
        shutil.copyfile(source, target)
        for suffix in ("-wal", "-shm"):
            if Path(source + suffix).exists():
                shutil.copyfile(source + suffix, str(target) + suffix)
        yield f"sqlite+aiosqlite:///{target}"


@asynccontextmanager
async def postgres_copy(url: str) -> AsyncIterator[str]:
    base, _, name = url.rpartition("/")
    copy = f"{name}_orgmove_copy"
    admin = make_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f"DROP DATABASE IF EXISTS {copy}"))
        await conn.execute(text(f"CREATE DATABASE {copy} TEMPLATE {name}"))
    try:
        yield f"{base}/{copy}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)"))
        await admin.dispose()


Subtree = tuple[str, int, int, int, int]  # (level, org, members, its district, another)


async def subtrees(url: str) -> list[Subtree]:
    """The largest street, and the district's child nearest WANTED members."""
    engine = make_engine(url)
    async with engine.connect() as conn:
        per_path = (await conn.execute(text(PATH_COLUMNS_SQL))).all()
        children = {
            pk: (level, parent)
            for pk, level, parent in await conn.execute(
                text("SELECT id, level, parent_id FROM organization WHERE depth = 2")
            )
        }
        districts = list(
            (
                await conn.execute(text("SELECT id FROM organization WHERE level = 'DISTRICT'"))
            ).scalars()
        )
    await engine.dispose()
    sizes: Counter[int] = Counter()
    for path, n in per_path:
        ids = [int(p) for p in path.strip("/").split("/")]
        if len(ids) > 2 and ids[2] in children:
            sizes[ids[2]] += n
    streets = [pk for pk in sizes if children[pk][0] == "STREET"]
    picked = [max(streets, key=sizes.__getitem__), min(sizes, key=lambda s: abs(sizes[s] - WANTED))]
    out = []
    for pk in picked:
        level, home = children[pk]
        out.append((level, pk, sizes[pk], home, next(d for d in districts if d != home)))
    return out


def alternating(*calls: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
    """One call after the other, round: a move there, then back."""
    done = 0

    async def call() -> None:
        nonlocal done
        await calls[done % len(calls)]()
        done += 1

    return call


async def measure(label: str, url: str, runs: int) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    engine = make_engine(url)
    for level, pk, members, home, other in await subtrees(url):
        there = graphql_call(engine, "cq_admin", MOVE, {"o": gid(pk), "p": gid(other)})
        back = graphql_call(engine, "cq_admin", MOVE, {"o": gid(pk), "p": gid(home)})
        summary(
            f"{label}: {level} of {members:,} members", await timed(alternating(there, back), runs)
        )
    await engine.dispose()


async def main(sqlite: str | None, postgres: str | None, runs: int) -> None:
    if sqlite:
        async with sqlite_copy(sqlite) as url:
            await measure("SQLite", url, runs)
    if postgres:
        async with postgres_copy(postgres) as url:
            await measure("PostgreSQL", url, runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default="bench/data/chongqing.db")
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1/dangjian_bench"
    )
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.sqlite or None, args.postgres or None, args.runs))
