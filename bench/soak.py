"""`make soak`: a bounded loopback load of mixed read queries (2 workers, at most 60 s) on a
fresh demo database; fails on any error and reports p50/p99.

Usage: python -m bench.soak [--seconds 45]
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from authz.tokens import issue_token
from bench.load import load
from bench.run import SECRET, wait_up

EXE = Path(sys.executable).with_name("dangjian")
MIX = [
    "{ viewer { username grants { role scope { name } } } }",
    "{ members(first: 50) { totalCount edges { node { name status organization { name } } } } }",
    "{ organizations(first: 20) { edges { node { name memberCount stats { memberTotal } } } } }",
    """{ organizations(level: COMMUNITY, first: 5) { edges { node { name
        checkInSummary { checkedInMembers verifiedHours }
        checkIns(first: 10) { edges { node { verifiedHours member { name } } } } } } } }""",
    """{ organizations(level: BRANCH, first: 10) { edges { node { name
        dues { collectionRate } developmentBoard { openCases } } } } }""",
]
USERS = ["jiangjin_admin", "shengquan_admin", "huxi_secretary", "jiangjin_auditor"]


async def soak(seconds: float) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DANGJIAN_DATABASE_URL": f"sqlite:///{tmp}/soak.db",
            "DANGJIAN_JWT_SECRET": SECRET,
            "DANGJIAN_ENV": "production",
            "DANGJIAN_RATE_LIMIT": "0",  # one account at full speed: the limit would answer
        }
        for args in (["db", "upgrade"], ["seed", "--scale", "demo"]):
            subprocess.run([str(EXE), *args], env=env, check=True, capture_output=True)
        port = 8811
        server = subprocess.Popen(
            [str(EXE), "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_up(base + "/healthz")
            results = await asyncio.gather(
                *(
                    load(
                        "POST",
                        base + "/graphql",
                        seconds=seconds,
                        connections=2,
                        bodies=[{"query": q} for q in MIX],
                        headers={"Authorization": f"Bearer {issue_token(SECRET, user, 1)}"},
                    )
                    for user in USERS
                )
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
    requests = sum(r.requests for r in results)
    errors = sum(r.errors for r in results)
    p50 = sorted(r.p50_ms for r in results)[len(results) // 2]
    p99 = max(r.p99_ms for r in results)
    rate = requests / max(r.seconds for r in results)
    print(
        f"soak: {requests} requests in {seconds:.0f} s ({rate:.1f}/s), {errors} errors, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (2 workers, 8 connections, SQLite)"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=45)
    args = parser.parse_args()
    sys.exit(asyncio.run(soak(min(args.seconds, 60))))
