"""`/metrics` in Prometheus's text format: requests by operation and outcome, latency,
statements per request, connections in use, persisted-query lookups.

Each app has its own registry (tests build several). Under `serve --workers N` the workers
write their samples to files in one folder (`PROMETHEUS_MULTIPROC_DIR`, made by `serve`), and
whichever worker answers a scrape reports the sum of all of them. Open in development; in
production only with
`DANGJIAN_METRICS_TOKEN`, sent as `Authorization: Bearer <token>` (without one the route
answers 404, so a public listener exposes nothing).
"""

import hmac
import os
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.requests import Request
from starlette.responses import Response

MAX_OPERATIONS = 200  # operation names are the client's: past this many, "other"
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
STATEMENT_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 20, 50, 100)


class Metrics:
    def __init__(self, engine: Any) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dangjian_requests",
            "HTTP requests by GraphQL operation (or path) and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "dangjian_request_seconds",
            "Request duration in seconds.",
            ["path"],
            buckets=SECONDS,
            registry=self.registry,
        )
        self.statements = Histogram(
            "dangjian_request_statements",
            "SQL statements per request.",
            buckets=STATEMENT_BUCKETS,
            registry=self.registry,
        )
        self.persisted = Counter(
            "dangjian_persisted_queries",
            "Persisted-query lookups by result: hit, miss, registered.",
            ["result"],
            registry=self.registry,
        )
        self.pool = Gauge(
            "dangjian_db_connections_in_use",
            "Database connections checked out of the pool (all live workers), as of each "
            "worker's last request.",
            multiprocess_mode="livesum",
            registry=self.registry,
        )
        self.engine = engine
        self.operations: set[str] = set()

    def operation(self, name: str | None, path: str) -> str:
        """A bounded label: the operation's name while fewer than MAX_OPERATIONS are known,
        else `other`; the route for requests without one."""
        if not name:
            return _route(path)
        if name not in self.operations and len(self.operations) >= MAX_OPERATIONS:
            return "other"
        self.operations.add(name)
        return name

    def observe(self, fields: dict[str, Any]) -> None:
        """One finished request (the fields of its log line)."""
        codes = fields["errors"]
        if fields["status"] >= 500 or "INTERNAL_SERVER_ERROR" in codes:
            outcome = "server_error"
        elif codes or fields["status"] >= 400:
            outcome = "client_error"
        else:
            outcome = "ok"
        self.requests.labels(self.operation(fields["operation"], fields["path"]), outcome).inc()
        self.seconds.labels(_route(fields["path"])).observe(fields["ms"] / 1000)
        self.statements.observe(fields["statements"])
        self.pool.set(_checked_out(self.engine))

    def scrape(self) -> bytes:
        """This app's samples; every worker's when they write to a shared folder."""
        if not multiprocess():
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged)
        return generate_latest(merged)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def worker_stopped() -> None:
    """A worker's live gauges leave the sum when it stops."""
    if multiprocess():
        mark_process_dead(os.getpid())


def _checked_out(engine: Any) -> float:
    checked = getattr(engine.sync_engine.pool, "checkedout", None)
    return float(checked()) if callable(checked) else 0.0


ROUTES = ("/graphql", "/queries", "/healthz", "/readyz", "/metrics")


def _route(path: str) -> str:
    """The route of a path (a saved query's name is its operation, not its path)."""
    if path.startswith("/queries/"):
        return "/queries/{name}"
    return path if path in ROUTES else "other"


def metrics_route(metrics: Metrics, token: str | None, production: bool):
    async def route(request: Request) -> Response:
        if production:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not token or not hmac.compare_digest(given.encode(), token.encode()):
                return Response(status_code=404)
        return Response(metrics.scrape(), media_type=CONTENT_TYPE_LATEST)

    return route
