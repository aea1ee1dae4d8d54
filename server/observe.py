"""What an operator sees of each request: one log line (request id, account, operation, status,
duration, statements, error codes), JSON in production and readable in development, and the
request id returned to the caller as `X-Request-ID` (the caller's, when it is a plain token).
The server's own id is kept beside it whatever the caller sent: a client chooses its id, and
may send another request's."""

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("dangjian.request")
STATEMENTS: ContextVar[list[int] | None] = ContextVar("statements", default=None)


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_: Any) -> None:
    """Statements of the current request (a one-item list per request, in its context)."""
    counter = STATEMENTS.get()
    if counter is not None:
        counter[0] += 1


CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_of(given: str, ours: str) -> str:
    """The caller's correlation id when it is a plain token (1 to 64 ASCII letters, digits,
    dots, underscores, dashes), else ours."""
    return given if CLIENT_ID.fullmatch(given) else ours


class RequestLog:
    """ASGI middleware: the request id in `scope["state"]`, the `X-Request-ID` header on the
    response, and one log line when the response is sent."""

    def __init__(self, app: ASGIApp, metrics: Any = None, every: bool = True) -> None:
        self.app = app
        self.metrics = metrics  # server.metrics.Metrics, fed the same fields as the log line
        self.every = every  # False: lines only for server errors (DANGJIAN_ACCESS_LOG=0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        ours = uuid.uuid4().hex
        rid = request_id_of(given, ours)
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        state["server_request_id"] = ours
        counter = [0]
        token = STATEMENTS.set(counter)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            STATEMENTS.reset(token)
            fields = {
                "request_id": rid,
                "server_request_id": ours,
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "statements": counter[0],
                "account": state.get("account"),
                "operation": state.get("operation"),
                "errors": state.get("error_codes") or [],
            }
            if self.every or status >= 500:
                log.info("request", extra={"fields": fields})
            if self.metrics is not None:
                self.metrics.observe(fields)


class LineFormatter(logging.Formatter):
    """JSON lines in production; `key=value` lines in development."""

    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields = {"level": record.levelname.lower(), "msg": record.getMessage()}
        fields.update(getattr(record, "fields", {}))
        if record.exc_info:
            fields["traceback"] = self.formatException(record.exc_info)
        if self.as_json:
            return json.dumps(fields, ensure_ascii=False, default=str)
        trace = fields.pop("traceback", None)
        line = " ".join(f"{k}={v}" for k, v in fields.items() if v not in (None, []))
        return line + (f"\n{trace}" if trace else "")


def configure_logging(production: bool) -> None:
    """The `dangjian` loggers write one formatted line per record to stderr."""
    root = logging.getLogger("dangjian")
    if any(getattr(h, "dangjian", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.dangjian = True  # type: ignore[attr-defined]
    handler.setFormatter(LineFormatter(as_json=production))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
