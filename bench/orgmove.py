"""Moving a street of about 5,000 members to another district (`moveOrganization` in process,
as `cq_admin`), back and forth, on a COPY of a Chongqing-scale database: every path copy of
the subtree is rewritten each time, so the figure is the whole move. The seeded streets are
smaller (the largest has under a thousand members): the largest is timed as it is, then again
after communities of other streets have been moved under it (on the copy) to make it about
5,000.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import graphql_call, summary, timed
from server.db import make_engine, upgrade

MOVE = """mutation($o: ID!, $p: ID!) { moveOrganization(input: {organizationId: $o,
  newParentId: $p}) { organization { id depth } } }"""
WANTED = 5_000  # members of the street moved
MEMBERS_PER_PATH = "SELECT org_path, COUNT(*) FROM member GROUP BY org_path"


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


@dataclass
class Tree:
    """Members below each org (itself included), and the levels and parents of the orgs."""

    members: Counter[int]
    orgs: dict[int, tuple[str, int | None]]

    @classmethod
    async def read(cls, engine: AsyncEngine) -> "Tree":
        async with engine.connect() as conn:
            per_path = (await conn.execute(text(MEMBERS_PER_PATH))).all()
            rows = await conn.execute(text("SELECT id, level, parent_id FROM organization"))
            orgs = {pk: (level, parent) for pk, level, parent in rows}
        members: Counter[int] = Counter()
        for path, n in per_path:
            for pk in path.strip("/").split("/"):
                members[int(pk)] += n
        return cls(members, orgs)

    def of_level(self, level: str) -> list[int]:
        return [pk for pk, (lv, _) in self.orgs.items() if lv == level]


async def grow(engine: AsyncEngine, tree: Tree, street: int) -> int:
    """Move communities of other streets under `street` (on the copy) until it holds about
    WANTED members: the seeded streets hold a thousand at most. Its members then."""
    members = tree.members[street]
    donors = [
        c
        for c in tree.of_level("COMMUNITY")
        if tree.orgs[c][1] != street and tree.orgs[tree.orgs[c][1] or 0][0] == "STREET"
    ]
    for community in sorted(donors, key=tree.members.__getitem__, reverse=True):
        if members >= WANTED:
            break
        await graphql_call(engine, "cq_admin", MOVE, {"o": gid(community), "p": gid(street)})()
        members += tree.members[community]
    return members


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
    tree = await Tree.read(engine)
    street = max(tree.of_level("STREET"), key=tree.members.__getitem__)
    home = tree.orgs[street][1] or 0
    other = next(d for d in tree.of_level("DISTRICT") if d != home)
    there = graphql_call(engine, "cq_admin", MOVE, {"o": gid(street), "p": gid(other)})
    back = graphql_call(engine, "cq_admin", MOVE, {"o": gid(street), "p": gid(home)})
    members = tree.members[street]
    summary(f"{label}: street of {members:,} members", await timed(alternating(there, back), runs))
    members = await grow(engine, tree, street)
    summary(f"{label}: street of {members:,} members", await timed(alternating(there, back), runs))
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
