"""What the rate limit costs: one small authenticated query under load, with the limit off,
counted in the database, and counted in Redis. The limit is set high enough never to answer,
so the leases are large and this measures the local path (a lease in hand); a store write
per request cost 15-37 % of this query's throughput before leases (docs/deployment.md).

Usage: python -m bench.ratelimit DATABASE_URL [--seconds 10] [--redis redis://127.0.0.1:6379/0]
The cost is one counter write per request, whatever the data's scale: a demo database will do.
"""

import argparse
import asyncio

from authz.tokens import issue_token
from bench.load import load
from bench.run import EXE, SECRET, serve, wait_up
from server.settings import async_url

QUERY = {"query": "{ viewer { username } }"}
NEVER = str(10**9)  # counted, never refused


async def measure(url: str, seconds: float, redis: str) -> None:
    headers = {"Authorization": f"Bearer {issue_token(SECRET, 'jiangjin_admin', 1)}"}
    cases = {
        "off": {"DANGJIAN_RATE_LIMIT": "0"},
        "database": {"DANGJIAN_RATE_LIMIT": NEVER},
        "redis": {"DANGJIAN_RATE_LIMIT": NEVER, "DANGJIAN_REDIS_URL": redis},
    }
    base_rps = 0.0
    for n, (name, settings) in enumerate(cases.items()):
        port = 8830 + n
        server = serve([str(EXE), "serve"], url, port, **settings)
        try:
            target = f"http://127.0.0.1:{port}"
            await wait_up(target + "/healthz")
            await load("POST", target + "/graphql", seconds=1, json=QUERY, headers=headers)
            result = await load(
                "POST", target + "/graphql", seconds=seconds, json=QUERY, headers=headers
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
        base_rps = base_rps or result.rps
        print(
            f"  {url.split(':')[0]:<22} {name:<9} {result.rps:8.1f} req/s  "
            f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
            f"x{result.rps / base_rps:.2f}  errors {result.errors}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    asyncio.run(measure(async_url(args.url), args.seconds, args.redis))


if __name__ == "__main__":
    main()
