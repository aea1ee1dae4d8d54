"""Median latency of a 100-member page in a district scope, in-process and over HTTP.

Usage: python -m bench.latency DATABASE_URL [--runs 30]
Run against a Chongqing-scale database (`dangjian seed --scale chongqing`).
"""

import argparse
import asyncio

import httpx

from authz.tokens import issue_token
from bench.common import graphql_call, summary, timed
from bench.run import EXE, SECRET, serve, wait_up
from server.db import make_engine
from server.settings import async_url

QUERY = """query($after: String) { members(first: 100, after: $after) { totalCount
  edges { node { id name gender birthDate status phone idCardNumber organization { name } } }
  pageInfo { endCursor } } }"""
USER = "jiangjin_admin"


async def in_process(url: str, runs: int) -> list[float]:
    engine = make_engine(url)
    times = await timed(graphql_call(engine, USER, QUERY), runs)
    await engine.dispose()
    return times


async def over_http(url: str, runs: int) -> list[float]:
    """The same page over HTTP from one client, against `dangjian serve` (1 worker)."""
    port = 8801
    server = serve([str(EXE), "serve"], url, port)
    headers = {"Authorization": f"Bearer {issue_token(SECRET, USER, 1)}"}
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_up(base + "/healthz")
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:

            async def call() -> None:
                response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
                assert response.status_code == 200 and "errors" not in response.json()

            return await timed(call, runs)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = async_url(args.url)
    summary("in-process (execute)", asyncio.run(in_process(url, args.runs)))
    summary("HTTP (uvicorn, 1 worker)", asyncio.run(over_http(url, args.runs)))


if __name__ == "__main__":
    main()
