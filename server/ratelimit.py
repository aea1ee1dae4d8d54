"""Per-caller rate limits, so that one account cannot starve the others: at most N requests a
minute per account (per client address for requests without a valid token), counted in the
store every process shares (`server/shared.py`). Past the limit: `429` with `Retry-After`,
the seconds to the next minute, and a GraphQL-shaped body with code `RATE_LIMITED`.

Fixed one-minute windows on the business clock; a caller gets at most twice the limit across a
window boundary. A process takes a caller's budget from the store a lease at a time (a
hundredth of the limit, at least one request) and spends it locally: one counter write per
lease rather than per request, at the price of up to a lease per process taken and not used.
A caller refused stays refused in that process until the minute ends, without asking the
store. A store that does not answer lets the request through (logged): the limit protects the
service, it must not be what stops it."""

import logging
import math

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.clock import clock
from server.auth import bearer_claims
from server.settings import Settings
from server.shared import WINDOW_SECONDS, Shared

log = logging.getLogger("dangjian.ratelimit")
EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes
LEASE_SHARE = 100  # a lease is this fraction of the limit


class RateLimit:
    """ASGI middleware counting each request of its caller before any other work."""

    def __init__(self, app: ASGIApp, shared: Shared, settings: Settings) -> None:
        self.app = app
        self.shared = shared
        self.settings = settings
        self.limit = settings.rate_limit
        self.lease = max(1, self.limit // LEASE_SHARE)
        self.minute = 0
        self.left: dict[str, int] = {}  # this minute's unspent leased slots by caller; -1: refused

    def caller(self, scope: Scope) -> str:
        """`acct:<username>` for a valid bearer token, else `addr:<client address>`."""
        header = dict(scope.get("headers") or []).get(b"authorization", b"")
        claims, _ = bearer_claims(header.decode("latin-1"), self.settings)
        if claims is not None:
            return f"acct:{claims['sub']}"[:80]
        client = scope.get("client")
        return f"addr:{client[0] if client else 'unknown'}"[:80]

    async def admitted(self, caller: str, minute: int) -> bool:
        """Spend a slot of the caller's lease, taking a new lease from the store when it is
        spent."""
        if minute != self.minute:
            self.minute, self.left = minute, {}
        left = self.left.get(caller, 0)
        if left != 0:
            if left > 0:
                self.left[caller] = left - 1
            return left > 0
        taken = await self.shared.hit(caller, minute, self.lease)
        granted = min(self.lease, self.limit - (taken - self.lease))
        self.left[caller] = granted - 1 if granted > 0 else -1
        return granted > 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.limit
            or scope["path"] in EXEMPT
            or scope["method"] == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        now = clock().now().timestamp()
        minute = int(now // WINDOW_SECONDS)
        try:
            admitted = await self.admitted(self.caller(scope), minute)
        except Exception:
            log.exception("the rate-limit store did not answer: request let through")
            admitted = True
        if admitted:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil((minute + 1) * WINDOW_SECONDS - now))
        scope.setdefault("state", {})["error_codes"] = ["RATE_LIMITED"]
        body = {
            "errors": [
                {
                    "message": f"more than {self.limit} requests a minute: try again in {retry} s",
                    "extensions": {"code": "RATE_LIMITED", "retryAfter": retry},
                }
            ]
        }
        response = Response(
            orjson.dumps(body),
            429,
            headers={"Retry-After": str(retry)},
            media_type="application/json",
        )
        await response(scope, receive, send)
