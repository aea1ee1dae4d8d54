"""Moving a street of about 5,000 members to another district (`moveOrganization` in process,
as `cq_admin`), back and forth, on a COPY of a Chongqing-scale database: every path copy of
the subtree is rewritten each time, so the figure is the whole move. The seeded streets are
smaller (the largest has under a thousand members): the largest is timed as it is, then again
after communities of other streets have been moved under it (on the copy) to make it about
5,000.

Usage: python -m bench.orgmove [--sqlite FILE] [--postgres URL] [--runs 7] [--vacuum]
  [--explain]
  --sqlite: a Chongqing-scale SQLite file, copied to a temporary file first
  --postgres: a Chongqing-scale PostgreSQL database, copied with CREATE DATABASE … TEMPLATE
    into a temporary database, dropped afterwards
  --vacuum: on PostgreSQL, VACUUM the copy (untimed) before each move. The CI server runs
    without autovacuum, so moving there and back leaves each move's dead row versions in the
    very index ranges the next move scans (the k-th move reads k old versions of every row);
    a deployment vacuums, and does not move a street back within minutes
  --explain: at 5,000 members, also where a move's time goes: each table's UPDATE timed on
    its own (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS, WAL), its buffers and WAL), and the commit
"""

import argparse
import asyncio
import base64
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import graphql_call, summary, timed
from resolvers.rehome import hold_tree, subtree_moves
from server.db import Session, make_engine, upgrade

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


EXPLAIN = "EXPLAIN (ANALYZE, BUFFERS, WAL, TIMING OFF, FORMAT JSON) "
SHOWN = {  # PostgreSQL's figures of an UPDATE's top plan node, as printed
    "WAL Records": "wal",
    "WAL FPI": "fpi",
    "WAL Bytes": "wal_b",
    "Shared Hit Blocks": "hit",
    "Shared Read Blocks": "read",
    "Shared Dirtied Blocks": "dirtied",
    "Shared Written Blocks": "written",
}


def scheduler_clock(backend: int | None) -> Callable[[], tuple[float, float]]:
    """Seconds on a core, and seconds runnable but waiting for one, used so far by the
    PostgreSQL backend `backend` (its /proc entry: the server runs on this machine) or by
    this process's threads (SQLite runs in them). On a loaded machine the wall time is mostly
    the wait; what is neither is time blocked (I/O, fsync)."""
    tasks = Path(f"/proc/{backend}") if backend else Path("/proc/self")

    def used() -> tuple[float, float]:
        paths = [tasks / "schedstat"] if backend else list(tasks.glob("task/*/schedstat"))
        stats = [p.read_text().split() for p in paths if p.exists()]
        return sum(int(s[0]) for s in stats) / 1e9, sum(int(s[1]) for s in stats) / 1e9

    return used


async def explained_move(engine: AsyncEngine, org: int, parent: int) -> dict[str, list[Any]]:
    """One move as `move_org` makes it, each table's UPDATE timed on its own (PostgreSQL:
    through EXPLAIN ANALYZE, which executes it), then the commit: per table, its rows,
    milliseconds (`spent`) and, on PostgreSQL, the figures of SHOWN."""
    postgres = engine.dialect.name == "postgresql"
    figures: dict[str, list[Any]] = {}
    async with Session(engine) as session:
        await hold_tree(session, alone=True)
        pid = (
            (await session.execute(text("SELECT pg_backend_pid()"))).scalar() if postgres else None
        )
        clock = scheduler_clock(pid)
        old = (await session.execute(select_path(org))).scalar_one()
        new = (await session.execute(select_path(parent))).scalar_one() + f"{org}/"
        await session.execute(
            text("UPDATE organization SET parent_id = :p WHERE id = :o"), {"p": parent, "o": org}
        )
        for table, statement in subtree_moves(old, new):
            sql = str(
                statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            )
            started, used = time.perf_counter(), clock()
            if postgres:
                (plan,) = (await session.execute(text(EXPLAIN + sql))).scalar_one()
                top = plan["Plan"]
                rows = sum(p["Actual Rows"] for p in top.get("Plans", []))
                extra = [top.get(k, 0) for k in SHOWN]
            else:
                rows, extra = (await session.execute(text(sql))).rowcount, []  # type: ignore[attr-defined]
            figures[table.name] = [rows, *spent(started, used, clock()), *extra]
        started, used = time.perf_counter(), clock()
        await session.commit()
        figures["(commit)"] = [0, *spent(started, used, clock()), *([0] * len(extra))]
    return figures


def spent(started: float, before: tuple[float, float], after: tuple[float, float]) -> list[float]:
    """Milliseconds of wall time, on a core, waiting for a core, and blocked (the rest)."""
    wall, cpu, wait = time.perf_counter() - started, after[0] - before[0], after[1] - before[1]
    return [wall * 1000, cpu * 1000, wait * 1000, (wall - cpu - wait) * 1000]


def select_path(org: int) -> Any:
    return text("SELECT path FROM organization WHERE id = :o").bindparams(o=org)


async def explain(
    label: str,
    engine: AsyncEngine,
    street: int,
    moves: list[int],
    before: Callable[[], Awaitable[None]] | None,
) -> None:
    """Medians per table over the moves (to each parent of `moves` in turn), costliest first."""
    runs = []
    for parent in moves:
        if before is not None:
            await before()
        runs.append(await explained_move(engine, street, parent))
    heads = ["rows", "ms", "cpu_ms", "wait_ms", "blocked_ms"] + (
        list(SHOWN.values()) if engine.dialect.name == "postgresql" else []
    )
    print(f"{label}: per table, medians of {len(runs)} moves")
    print(f"{'table':<22}" + "".join(f"{h:>11}" for h in heads))
    medians = {
        t: [statistics.median(r[t][i] for r in runs) for i in range(len(heads))] for t in runs[0]
    }
    for name, values in sorted(medians.items(), key=lambda kv: -kv[1][1]):
        if values[0] or name == "(commit)":
            print(f"{name:<22}" + "".join(f"{v:>11,.0f}" for v in values))
    totals = [sum(v[i] for v in medians.values()) for i in (1, 2, 3, 4)]
    print(f"{'(sum of medians)':<22}{'':>11}" + "".join(f"{t:>11,.0f}" for t in totals))


def vacuum(engine: AsyncEngine, wanted: bool) -> Callable[[], Awaitable[None]] | None:
    """A VACUUM of the whole database (PostgreSQL; SQLite keeps no dead row versions), when
    `wanted`."""
    if not wanted or engine.dialect.name != "postgresql":
        return None

    async def run() -> None:
        async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            await conn.execute(text("VACUUM"))

    return run


async def measure(label: str, url: str, runs: int, vacuuming: bool, explaining: bool) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    tree = await Tree.read(engine)
    street = max(tree.of_level("STREET"), key=tree.members.__getitem__)
    home = tree.orgs[street][1] or 0
    other = next(d for d in tree.of_level("DISTRICT") if d != home)
    there = graphql_call(engine, "cq_admin", MOVE, {"o": gid(street), "p": gid(other)})
    back = graphql_call(engine, "cq_admin", MOVE, {"o": gid(street), "p": gid(home)})
    before = vacuum(engine, vacuuming)
    moves = alternating(there, back)
    members = tree.members[street]
    summary(f"{label}: street of {members:,} members", await timed(moves, runs, before=before))
    members = await grow(engine, tree, street)
    summary(f"{label}: street of {members:,} members", await timed(moves, runs, before=before))
    if explaining:
        await explain(label, engine, street, [other, home] * ((runs + 1) // 2), before)
    await engine.dispose()


async def main(
    sqlite: str | None, postgres: str | None, runs: int, vacuuming: bool, explaining: bool
) -> None:
    if sqlite:
        async with sqlite_copy(sqlite) as url:
            await measure("SQLite", url, runs, vacuuming, explaining)
    if postgres:
        async with postgres_copy(postgres) as url:
            await measure("PostgreSQL", url, runs, vacuuming, explaining)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default="bench/data/chongqing.db")
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1/dangjian_bench"
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--vacuum", action="store_true", help="VACUUM before each move")
    parser.add_argument("--explain", action="store_true", help="where a move's time goes")
    args = parser.parse_args()
    sqlite, postgres = args.sqlite or None, args.postgres or None
    asyncio.run(main(sqlite, postgres, args.runs, args.vacuum, args.explain))
