"""The size of a request, bounded before any route reads it: a body past the limit is
refused with 413 as soon as the count passes it (declared or streamed, chunked bodies too),
and a query string past it with 414, so an oversized request costs no parsing at all."""

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CODE = "REQUEST_TOO_LARGE"


async def refuse(send: Send, status: int, message: str) -> None:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": CODE}}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: reads the body up to `limit` bytes, then hands the application the
    whole body at once (Starlette would buffer it anyway)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.limit:
            await refuse(send, 414, f"the query string exceeds {self.limit} bytes")
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await refuse(send, 413, f"the request body exceeds {self.limit} bytes")
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await refuse(send, 413, f"the request body exceeds {self.limit} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # then the disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)
