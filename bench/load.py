"""A bounded loopback load: a few concurrent clients for a fixed time against one URL."""

import asyncio
import json as jsonlib
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

# wrk (C, one thread) leaves the cores to the server; the Python client is the fallback.
WRK_SCRIPT = """
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
errors = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then errors = errors + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("errors") end
  io.write(string.format("RESULT %%d %%d %%d %%f %%f\\n", summary.requests,
    total + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.duration, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    client: str = "httpx"

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def lua(value: str) -> str:
    return jsonlib.dumps(value)  # a JSON string is a valid Lua string literal here


async def wrk_load(
    method: str,
    url: str,
    *,
    seconds: float,
    connections: int,
    json: dict | None,
    headers: dict | None,
) -> LoadResult:
    """The same load through wrk; every non-200 answer or GraphQL error counts as an error."""
    head = {**(headers or {}), **({"Content-Type": "application/json"} if json else {})}
    script = WRK_SCRIPT % {
        "method": lua(method),
        "body": lua(jsonlib.dumps(json)) if json else "nil",
        "headers": "\n".join(f"wrk.headers[{lua(k)}] = {lua(v)}" for k, v in head.items()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "load.lua"
        path.write_text(script)
        proc = await asyncio.create_subprocess_exec(
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(path), url,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await proc.communicate()
    line = next(x for x in out.decode().splitlines() if x.startswith("RESULT "))
    requests, errors, micros, p50, p99 = line.split()[1:]
    return LoadResult(
        int(requests), int(errors), int(micros) / 1e6, float(p50) / 1000, float(p99) / 1000, "wrk"
    )


async def load(
    method: str,
    url: str,
    *,
    seconds: float,
    connections: int = 8,
    json: dict | None = None,
    headers: dict | None = None,
    bodies: list[dict] | None = None,
) -> LoadResult:
    """Requests in `connections` loops for `seconds` (rotating through `bodies` when given);
    every non-200 answer, or one with GraphQL errors, is an error. wrk runs a single body's
    load when it is installed."""
    if bodies is None and shutil.which("wrk"):
        return await wrk_load(
            method, url, seconds=seconds, connections=connections, json=json, headers=headers
        )
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:

        async def worker(offset: int) -> None:
            nonlocal errors
            turn = offset
            while time.monotonic() < deadline:
                body = bodies[turn % len(bodies)] if bodies else json
                turn += 1
                started = time.perf_counter()
                response = await client.request(method, url, json=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or b'"errors"' in response.content[:200]:
                    errors += 1

        started = time.monotonic()
        await asyncio.gather(*(worker(i) for i in range(connections)))
        elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return LoadResult(
        len(latencies),
        errors,
        elapsed,
        statistics.median(ordered) * 1000,
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    )
