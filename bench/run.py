"""`make bench`: Chongqing-scale databases, in-process GraphQL vs raw SQL, HTTP vs plain JSON.

Writes bench/results/results.json, results.md and results.png.
"""

import argparse
import asyncio
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

from sqlalchemy import event, text

from authz.tokens import issue_token
from bench.common import graphql_call, timed
from bench.load import load
from bench.operations import MEMBER_PAGE, Operation, operations
from datagen.seed import seed, terminal_progress
from domain.clock import clock
from server.db import make_engine, upgrade
from server.settings import async_url

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SECRET = secrets.token_hex(32)  # production refuses any secret written in the repository
EXE = Path(sys.executable).with_name("dangjian")
WARMUP_SECONDS = 4
BENCH_POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/dangjian_bench"
)


async def ensure_database(url: str) -> None:
    """Migrate and seed the Chongqing scale unless the database already holds it."""
    if url.startswith("postgresql"):
        base, _, name = url.rpartition("/")
        admin = make_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            if not await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ):
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
    else:
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    await upgrade(engine)
    started = time.perf_counter()
    report = await seed(engine, "chongqing", progress=terminal_progress)
    if report:
        print(f"  seeded in {time.perf_counter() - started:.0f} s")
    await engine.dispose()


def pages_call(engine, op: Operation):
    """A GraphQL call that follows the cursor for multi-page operations."""
    call = graphql_call(engine, op.user, op.query, op.variables)
    if op.pages == 1:
        return call

    async def run() -> None:
        """One request per page, like a client paging through."""
        after = None
        for _ in range(op.pages):
            data = await graphql_call(engine, op.user, op.query, {**op.variables, "after": after})()
            after = data["members"]["pageInfo"]["endCursor"]

    return run


async def profile_slowest(url: str, rows: list[dict]) -> None:
    """A pyinstrument profile of the slowest in-process operation, to bench/results."""
    from pyinstrument import Profiler

    slowest = max(rows, key=lambda r: r["graphql_ms"])
    engine = make_engine(url)
    op = next(o for o in await operations(engine) if o.name == slowest["operation"])
    call = pages_call(engine, op)
    await call()
    profiler = Profiler(async_mode="enabled", interval=0.0005)
    profiler.start()
    for _ in range(10):
        await call()
    profiler.stop()
    await engine.dispose()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "profile.txt").write_text(
        f"{op.name} on {engine.dialect.name}, 10 calls\n"
        + profiler.output_text(unicode=False, color=False)
    )


async def in_process(url: str, runs: int) -> list[dict]:
    engine = make_engine(url)
    out = []
    statements: list[str] = []

    def listener(*args: object) -> None:
        statements.append(str(args[2]))

    for op in await operations(engine):
        statements.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", listener)
        await graphql_call(engine, op.user, op.query, op.variables)()
        event.remove(engine.sync_engine, "before_cursor_execute", listener)
        gql = await timed(pages_call(engine, op), runs)
        raw = await timed(lambda op=op: op.raw(engine), runs)
        row = {
            "operation": op.name,
            "db": engine.dialect.name,
            "graphql_ms": _ms(gql),
            "graphql_p90_ms": _p90(gql),
            "sql_ms": _ms(raw),
            "ratio": round(statistics.median(gql) / statistics.median(raw), 2),
            "statements": len(statements),
        }
        print(
            f"  {row['db']:<10} {op.name:<26} graphql {row['graphql_ms']:8.2f} ms  "
            f"sql {row['sql_ms']:7.2f} ms  ×{row['ratio']:<6} {row['statements']} stmts"
        )
        out.append(row)
    await engine.dispose()
    return out


def _ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 3)


def _p90(times: list[float]) -> float:
    return round(sorted(times)[max(0, int(len(times) * 0.9) - 1)] * 1000, 3)


def serve(
    argv: list[str], url: str, port: int, cwd: Path = HERE.parent, **settings: str
) -> subprocess.Popen:
    """A production server; `settings` are more DANGJIAN_* variables (by name)."""
    env = {
        **os.environ,
        "DANGJIAN_DATABASE_URL": url,
        "DANGJIAN_JWT_SECRET": SECRET,
        "DANGJIAN_ENV": "production",
        "DANGJIAN_RATE_LIMIT": "0",  # one account at full speed: the limit would answer
        **settings,
    }
    return subprocess.Popen(
        [*argv, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
    )


async def wait_up(url: str) -> None:
    import httpx

    for _ in range(150):
        try:
            async with httpx.AsyncClient() as client:
                await client.get(url)
            return
        except httpx.TransportError:
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


async def over_http(url: str, seconds: float) -> list[dict]:
    """GraphQL (the 100-member district page) vs the plain JSON endpoint, 1 and 2 workers."""
    engine = make_engine(url)
    async with engine.connect() as conn:
        path = await conn.scalar(
            text("SELECT path FROM organization WHERE name = '中共重庆市江津区委员会'")
        )
    await engine.dispose()
    token = issue_token(SECRET, "jiangjin_admin", 1, ttl=3600)
    out = []
    for workers in (1, 2):
        for kind in ("graphql", "plain"):
            port = 8790 + workers * 2 + (kind == "plain")
            argv = (
                [str(EXE), "serve", "--workers", str(workers)]
                if kind == "graphql"
                else [sys.executable, "-m", "bench.plain", "--workers", str(workers)]
            )
            server = serve(argv, url, port)
            try:
                base = f"http://127.0.0.1:{port}"
                await wait_up(base + "/")
                if kind == "graphql":
                    run = partial(
                        load,
                        "POST",
                        base + "/graphql",
                        json={"query": MEMBER_PAGE},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                else:
                    run = partial(load, "GET", f"{base}/members?path={path}")
                await run(seconds=WARMUP_SECONDS)  # every worker started, caches warm
                result = await run(seconds=seconds)
            finally:
                server.terminate()
                server.wait(timeout=20)
            row = {
                "db": url.split(":")[0].split("+")[0],
                "kind": kind,
                "workers": workers,
                "rps": round(result.rps, 1),
                "p50_ms": round(result.p50_ms, 2),
                "p99_ms": round(result.p99_ms, 2),
                "errors": result.errors,
                "requests": result.requests,
                "client": result.client,
            }
            print(
                f"  {row['db']:<10} {kind:<8} {workers} worker(s)  {row['rps']:8.1f} req/s  "
                f"p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms  "
                f"errors {row['errors']}"
            )
            out.append(row)
    return out


def write_results(data: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    lines = [
        "# Benchmark results",
        "",
        f"{data['machine']}, {data['date']}",
        "",
        "## In-process: GraphQL execution vs the raw SQL returning the same rows",
        "",
        "| operation | db | GraphQL median ms | p90 ms | SQL median ms | ratio | statements |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in data["in_process"]:
        lines.append(
            f"| {r['operation']} | {r['db']} | {r['graphql_ms']} | "
            f"{r['graphql_p90_ms']} | {r['sql_ms']} | {r['ratio']} | {r['statements']} |"
        )
    lines += [
        "",
        "## HTTP: 100-member district page, 8 connections "
        f"(load from {', '.join(sorted({r['client'] for r in data['http']})) or '-'})",
        "",
        "| db | server | workers | req/s | p50 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in data["http"]:
        lines.append(
            f"| {r['db']} | {r['kind']} | {r['workers']} | {r['rps']} | "
            f"{r['p50_ms']} | {r['p99_ms']} | {r['errors']} |"
        )
    (RESULTS / "results.md").write_text("\n".join(lines) + "\n")
    chart(data)


DB_NAMES = {"sqlite": "SQLite", "postgresql": "PG"}


def ratio_target(operation: str) -> float:
    """The issue's in-process target: 2.5 for the 1,000-row pages, 1.8 otherwise."""
    return 2.5 if "1,000" in operation else 1.8


def chart(data: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 6))
    ops = [r for r in data["in_process"]]
    labels = [f"{r['operation']} ({DB_NAMES[r['db']]})" for r in ops]
    left.barh(
        labels,
        [r["ratio"] for r in ops],
        color=["#b22222" if r["ratio"] > ratio_target(r["operation"]) else "#2e8b57" for r in ops],
    )
    left.axvline(1.8, color="grey", linestyle="--", linewidth=1)
    left.axvline(2.5, color="grey", linestyle=":", linewidth=1)
    left.set_xlabel(
        "GraphQL time ÷ raw SQL time (lower is better)\ntargets: 1.8 dashed, 2.5 dotted for "
        "1,000 rows; green meets its target"
    )
    left.invert_yaxis()
    left.set_title("In-process overhead per operation")
    http = data["http"]
    names = [f"{DB_NAMES[r['db']]} {r['kind']} ×{r['workers']}" for r in http]
    right.bar(
        names,
        [r["rps"] for r in http],
        color=["#4682b4" if r["kind"] == "graphql" else "#aaaaaa" for r in http],
    )
    right.set_ylabel("requests per second (higher is better)")
    right.set_title("HTTP, 100-member district page")
    right.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(RESULTS / "results.png", dpi=110)


async def main(args: argparse.Namespace) -> None:
    urls = [async_url(u) for u in (args.sqlite, args.postgres) if u]
    for url in urls:
        print(f"database {url}")
        await ensure_database(url)
    data = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "date": clock().now().strftime("%Y-%m-%d %H:%M %z"),
        "in_process": [],
        "http": [],
    }
    for url in urls:
        print(f"in-process, {args.runs} runs each: {url}")
        data["in_process"] += await in_process(url, args.runs)
    if data["in_process"]:
        await profile_slowest(
            urls[-1],
            [r for r in data["in_process"] if r["db"] == make_engine(urls[-1]).dialect.name],
        )
    if args.http_seconds > 0:
        for url in urls:
            print(f"HTTP, {args.http_seconds} s each: {url}")
            data["http"] += await over_http(url, args.http_seconds)
    write_results(data)
    print(f"results in {RESULTS}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite", default="sqlite:///" + str(HERE / "data" / "chongqing.db"))
    parser.add_argument(
        "--postgres",
        default=BENCH_POSTGRES,
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--http-seconds", type=float, default=10)
    asyncio.run(main(parser.parse_args()))
