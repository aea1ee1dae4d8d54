"""Median latency of a 100-member page in a district scope, in-process and over HTTP.

Usage: python -m bench.latency DATABASE_URL [--runs 30]
Run against a Chongqing-scale database (`dangjian seed --scale chongqing`).
"""

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from authz.principal import load_principal
from authz.tokens import issue_token
from resolvers.context import Context
from schema import build_schema
from server.db import make_engine
from server.settings import async_url

QUERY = """query($after: String) { members(first: 100, after: $after) { totalCount
  edges { node { id name gender birthDate status phone idCardNumber organization { name } } }
  pageInfo { endCursor } } }"""
USER = "jiangjin_admin"
SECRET = "bench-secret-0123456789abcdef0123456789"


async def in_process(url: str, runs: int) -> list[float]:
    engine = make_engine(url)
    schema = build_schema()
    times = []
    for _ in range(runs + 3):
        started = time.perf_counter()
        async with AsyncSession(engine) as session:
            principal = await load_principal(session, USER)
            result = await schema.execute(QUERY, context_value=Context(session, principal))
        assert result.errors is None, result.errors
        times.append(time.perf_counter() - started)
    await engine.dispose()
    return times[3:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def over_http(url: str, runs: int) -> list[float]:
    port = free_port()
    env = {**os.environ, "DANGJIAN_DATABASE_URL": url, "DANGJIAN_JWT_SECRET": SECRET}
    exe = Path(sys.executable).with_name("dangjian")
    server = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    headers = {"Authorization": f"Bearer {issue_token(SECRET, USER, 1)}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            times = []
            for _ in range(runs + 3):
                started = time.perf_counter()
                response = client.post("/graphql", json={"query": QUERY}, headers=headers)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200 and "errors" not in response.json()
            return times[3:]
    finally:
        server.terminate()
        server.wait(timeout=10)


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    print(
        f"{label:<28} median {statistics.median(times) * 1000:7.2f} ms   "
        f"p90 {p90 * 1000:7.2f} ms   n={len(times)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = async_url(args.url)
    report("in-process (execute)", asyncio.run(in_process(url, args.runs)))
    report("HTTP (uvicorn, 1 worker)", over_http(url, args.runs))


if __name__ == "__main__":
    main()
