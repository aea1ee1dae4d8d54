"""A bounded loopback load: a few concurrent clients for a fixed time against one URL."""

import asyncio
import statistics
import time
from dataclasses import dataclass

import httpx


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


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
    every non-200 answer, or one with GraphQL errors, is an error."""
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
