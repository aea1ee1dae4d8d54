"""`make bench-scale`: the scale curve on PostgreSQL. The 100-member district page with its
totalCount, the same page alone, and the district statistics, at 0.1×, 1× and 10× Chongqing,
in-process (GraphQL and the raw SQL of the same rows), with the plans of the aggregates.

Each factor has its own database (`dangjian_bench_s01`, `dangjian_bench`, `dangjian_bench_s10`
by default), migrated and, where empty, seeded with `seed(factor=…)`: base data only (orgs,
members, accounts) except at 1×, which `make bench` seeds whole. Seeding 10× takes about half
an hour. Medians of `--runs` calls, and of `--passes` passes over the factors in turn.
Writes bench/results/scale.json and scale.md.
"""

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import graphql_call, timed
from bench.operations import LEVELS_SQL, STATS, STATS_SQL, gid
from bench.run import BENCH_POSTGRES, RESULTS
from datagen.seed import seed, terminal_progress
from domain.calendar import born_before
from domain.clock import clock
from server.db import make_engine, upgrade
from server.settings import async_url

FACTORS = {0.1: "dangjian_bench_s01", 1.0: "dangjian_bench", 10.0: "dangjian_bench_s10"}
DISTRICT = "中共重庆市江津区委员会"
PAGE = """{ members(first: 100) { edges { node { id name gender birthDate status phone } }
  pageInfo { endCursor } } }"""
PAGE_COUNT = """{ members(first: 100) { totalCount edges { node { id name gender birthDate
  status phone } } pageInfo { endCursor } } }"""
PAGE_SQL = """SELECT id, name, gender, birth_date, status, phone, org_path FROM member
  WHERE org_path >= :p AND org_path < :q AND standing = 'ACTIVE' ORDER BY org_path, id
  LIMIT 101"""
COUNT_SQL = """SELECT count(*) FROM member WHERE org_path >= :p AND org_path < :q
  AND standing = 'ACTIVE'"""


async def prepare(url: str, factor: float) -> float | None:
    """Migrate; seed an empty database at `factor`. Seconds spent seeding, if it did."""
    base, _, name = url.rpartition("/")
    admin = make_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        if not await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    engine = make_engine(url)
    await upgrade(engine)
    started = time.perf_counter()
    report = await seed(
        engine, "chongqing", progress=terminal_progress, factor=factor, base_only=factor != 1
    )
    await engine.dispose()
    return time.perf_counter() - started if report else None


async def plan(engine: AsyncEngine, sql: str, params: dict) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement: its top scan, rows read, pages touched."""
    async with engine.connect() as conn:
        doc = (
            await conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}"), params)
        ).scalar_one()
    top = doc[0]["Plan"]
    scan = top
    while scan.get("Plans"):
        scan = scan["Plans"][0]
    workers = scan.get("Workers Launched", 0) or top.get("Workers Launched", 0)
    return {
        "scan": f"{scan['Node Type']} on {scan.get('Index Name', scan.get('Relation Name'))}",
        "rows": scan["Actual Rows"] * scan["Actual Loops"],  # a parallel scan: per process
        "workers": workers,
        "heap_fetches": scan.get("Heap Fetches"),
        "buffers": top["Shared Hit Blocks"] + top["Shared Read Blocks"],
        "read": top["Shared Read Blocks"],
        "ms": round(doc[0]["Execution Time"], 2),
    }


async def measure(url: str, factor: float, runs: int) -> dict[str, Any]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        district = (
            await conn.execute(
                text("SELECT id, path FROM organization WHERE name = :n"), {"n": DISTRICT}
            )
        ).one()
        span = {"p": district.path, "q": district.path[:-1] + "0"}
        orgs = await conn.scalar(text("SELECT count(*) FROM organization"))
        members = await conn.scalar(text("SELECT count(*) FROM member"))
        in_district = await conn.scalar(text(COUNT_SQL), span)
    born = {f"b{age}": born_before(clock().today().year, age) for age in (30, 40, 50, 60, 70)}
    stats_sql = STATS_SQL + " AND standing = 'ACTIVE'"

    def sql(statement: str, params: dict):
        async def run() -> Any:
            async with engine.connect() as conn:
                return (await conn.execute(text(statement), params)).all()

        return run

    variables = {"id": gid("Organization", district.id)}
    cells = {
        "page 100 + totalCount": (
            graphql_call(engine, "jiangjin_admin", PAGE_COUNT),
            [sql(PAGE_SQL, span), sql(COUNT_SQL, span)],
        ),
        "page 100": (graphql_call(engine, "jiangjin_admin", PAGE), [sql(PAGE_SQL, span)]),
        "district stats": (
            graphql_call(engine, "jiangjin_admin", STATS, variables),
            [sql(stats_sql, {**span, **born}), sql(LEVELS_SQL, span)],
        ),
    }
    out: dict[str, Any] = {
        "factor": factor,
        "database": url.rpartition("/")[2],
        "organizations": orgs,
        "members": members,
        "district_members": in_district,
        "operations": {},
    }
    for name, (call, raws) in cells.items():
        gql = await timed(call, runs)

        async def raw(raws: list = raws) -> None:
            for r in raws:
                await r()

        plain = await timed(raw, runs)
        out["operations"][name] = {
            "graphql_ms": round(statistics.median(gql) * 1000, 2),
            "sql_ms": round(statistics.median(plain) * 1000, 2),
        }
        print(
            f"  {factor:>4}× {name:<22} graphql {out['operations'][name]['graphql_ms']:8.2f} ms"
            f"  sql {out['operations'][name]['sql_ms']:8.2f} ms"
        )
    out["plans"] = {
        "page": await plan(engine, PAGE_SQL, span),
        "count": await plan(engine, COUNT_SQL, span),
        "stats": await plan(engine, stats_sql, {**span, **born}),
        "levels": await plan(engine, LEVELS_SQL, span),
    }
    await engine.dispose()
    return out


def write(rows: list[dict[str, Any]]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    names = list(rows[0]["operations"])
    lines = [
        "| factor | members | 江津区 members | "
        + " | ".join(f"{n} (GraphQL / SQL ms)" for n in names)
        + " | count: rows, pages | stats: rows, pages |",
        "|---|---:|---:|" + "---:|" * len(names) + "---:|---:|",
    ]
    for r in rows:
        ops = r["operations"]
        lines.append(
            f"| {r['factor']}× | {r['members']:,} | {r['district_members']:,} | "
            + " | ".join(f"{ops[n]['graphql_ms']} / {ops[n]['sql_ms']}" for n in names)
            + f" | {r['plans']['count']['rows']:,}, {r['plans']['count']['buffers']:,}"
            + f" | {r['plans']['stats']['rows']:,}, {r['plans']['stats']['buffers']:,} |"
        )
    lines.append("")
    for r in rows:
        lines.append(
            f"- {r['factor']}×: "
            + "; ".join(
                f"{k}: {p['scan']}, {p['rows']:,} rows, {p['workers']} parallel workers, "
                f"heap fetches {p['heap_fetches']}, {p['buffers']:,} pages "
                f"({p['read']:,} not in shared buffers), {p['ms']} ms"
                for k, p in r["plans"].items()
            )
        )
    (RESULTS / "scale.md").write_text("\n".join(lines) + "\n")


async def main(args: argparse.Namespace) -> None:
    base = async_url(args.postgres).rpartition("/")[0]
    urls = {f: f"{base}/{args.db.get(f, name)}" for f, name in FACTORS.items() if f in args.factors}
    for factor, url in urls.items():
        print(f"{factor}×: {url}")
        seconds = await prepare(url, factor)
        if seconds is not None:
            print(f"  seeded in {seconds:.0f} s")
    passes: dict[float, list[dict[str, Any]]] = {f: [] for f in urls}
    for _ in range(args.passes):  # the factors in turn, again: a shared machine drifts
        for factor, url in urls.items():
            passes[factor].append(await measure(url, factor, args.runs))
    rows = []
    for measured in passes.values():
        row = measured[-1]
        for name, cell in row["operations"].items():
            for key in cell:
                cell[key] = statistics.median(m["operations"][name][key] for m in measured)
        rows.append(row)
    write(rows)
    print(f"results in {RESULTS / 'scale.md'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=BENCH_POSTGRES, help="the 1× database's URL")
    parser.add_argument("--factors", type=float, nargs="+", default=list(FACTORS))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--passes", type=int, default=3, help="medians over passes")
    parser.add_argument(
        "--db",
        type=lambda v: (float(v.split("=")[0]), v.split("=")[1]),
        action="append",
        default=[],
        help="FACTOR=NAME: another database for a factor (e.g. 1=dangjian_bench_copy)",
    )
    parsed = parser.parse_args()
    parsed.db = dict(parsed.db)
    asyncio.run(main(parsed))
