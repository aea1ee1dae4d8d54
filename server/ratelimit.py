"""Per-caller rate limits, so that one account cannot starve the others: at most N requests a
minute per account (per client address for requests without a valid token), counted in the
store every process shares (`server/shared.py`). Past the limit: `429` with `Retry-After`,
the seconds to the next minute, and a GraphQL-shaped body with code `RATE_LIMITED`.

Fixed one-minute windows on the business clock: one counter write per request, and a caller
gets at most twice the limit across a window boundary. A store that does not answer lets the
request through (logged): the limit protects the service, it must not be what stops it."""

import logging
import math

import jwt
import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from authz.tokens import verify_token
from domain.clock import clock
from server.settings import Settings
from server.shared import WINDOW_SECONDS, Shared

log = logging.getLogger("dangjian.ratelimit")
EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes


class RateLimit:
    """ASGI middleware counting each request of its caller before any other work."""

    def __init__(self, app: ASGIApp, shared: Shared, settings: Settings) -> None:
        self.app = app
        self.shared = shared
        self.settings = settings
        self.limit = settings.rate_limit

    def caller(self, scope: Scope) -> str:
        """`acct:<username>` for a valid bearer token, else `addr:<client address>`."""
        header = dict(scope.get("headers") or []).get(b"authorization", b"")
        scheme, _, token = header.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            try:
                claims = verify_token(
                    token.strip(),
                    self.settings.jwt_secret,
                    issuer=self.settings.jwt_issuer,
                    audience=self.settings.jwt_audience,
                )
                return f"acct:{claims['sub']}"[:80]
            except jwt.InvalidTokenError:
                pass
        client = scope.get("client")
        return f"addr:{client[0] if client else 'unknown'}"[:80]

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
            hits = await self.shared.hit(self.caller(scope), minute)
        except Exception:
            log.exception("the rate-limit store did not answer: request let through")
            hits = 0
        if hits <= self.limit:
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
