"""Median latency of a 100-member page in a district scope, in-process and over HTTP.

Usage: python -m bench.latency DATABASE_URL [--runs 30]
Run against a Chongqing-scale database (`dangjian seed --scale chongqing`).
"""

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from authz.tokens import issue_token
from bench.common import WARMUP, graphql_call, summary, timed
from server.db import make_engine
from server.settings import async_url

QUERY = """query($after: String) { members(first: 100, after: $after) { totalCount
  edges { node { id name gender birthDate status phone idCardNumber organization { name } } }
  pageInfo { endCursor } } }"""
USER = "jiangjin_admin"
SECRET = "bench-secret-0123456789abcdef0123456789"


async def in_process(url: str, runs: int) -> list[float]:
    engine = make_engine(url)
    times = await timed(graphql_call(engine, USER, QUERY), runs)
    await engine.dispose()
    return times


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
            for i in range(runs + WARMUP):
                started = time.perf_counter()
                response = client.post("/graphql", json={"query": QUERY}, headers=headers)
                if i >= WARMUP:
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200 and "errors" not in response.json()
            return times
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
    summary("HTTP (uvicorn, 1 worker)", over_http(url, args.runs))


if __name__ == "__main__":
    main()
