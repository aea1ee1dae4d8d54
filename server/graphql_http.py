"""`/graphql` per the GraphQL-over-HTTP spec: GET and POST, `application/json` and
`application/graphql-response+json`, persisted documents (`documentId`), Automatic Persisted
Queries, and the allow-list mode."""

import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
import strawberry
from graphql import BREAK, GraphQLError, StringValueNode, Visitor, parse, visit
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from domain.clock import clock
from engine.protections import MAX_TOKENS
from resolvers.context import Context
from server.direct import DirectRoute
from server.graphiql import page as graphiql_page
from server.saved_queries import sha256
from server.shared import Shared
from server.trusted import TrustedDocuments

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
log = logging.getLogger("dangjian.apq")
APQ_CACHE_SIZE = 1000  # per process
MAX_VARIABLE_DEPTH = 16
MAX_VARIABLE_VALUES = 2000
MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # past the node budget's worth of the widest rows
NUL = chr(0)
REQUIRED = "only saved queries and trusted documents may run here"
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"

ContextFactory = Callable[[Request], Awaitable[Context]]


class RequestError(Exception):
    """A request that is not well-formed: answered with a status and no `data`."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str = "BAD_REQUEST",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers


@dataclass
class Params:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    document_id: str | None  # GraphQL-over-HTTP persisted documents


def encode(body: object) -> bytes:
    """Compact UTF-8 JSON (orjson: several times faster than the standard library here)."""
    return orjson.dumps(body)


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header; None if none is acceptable."""
    if not accept:
        return JSON
    ranges = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        ranges.append((-q, i, media.lower()))
    for neg_q, _, media in sorted(ranges):
        if neg_q == 0:
            break
        if media == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media in (JSON, "application/*", "*/*"):
            return JSON
    return None


def _json_param(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)  # nesting is bounded (1024) where json's would recurse
    except orjson.JSONDecodeError:
        raise RequestError(400, f"{name} must be JSON") from None


async def read_params(request: Request) -> Params:
    """The GraphQL request parameters of a GET query string or a POST JSON body."""
    if request.method == "GET":
        q = request.query_params
        raw = {
            "query": q.get("query"),
            "variables": _json_param(q.get("variables"), "variables"),
            "operationName": q.get("operationName"),
            "extensions": _json_param(q.get("extensions"), "extensions"),
            "documentId": q.get("documentId"),
        }
    else:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != JSON:
            raise RequestError(415, "POST bodies must be application/json")
        body = await request.body()
        if not body:
            raise RequestError(400, "a request body is required")
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise RequestError(400, "the body is not valid JSON") from None
        if not isinstance(raw, dict):
            raise RequestError(400, "the body must be a JSON object")
    checks = (
        ("query", str),
        ("variables", dict),
        ("operationName", str),
        ("extensions", dict),
        ("documentId", str),
    )
    for name, kind in checks:
        if raw.get(name) is not None and not isinstance(raw[name], kind):
            raise RequestError(400, f"{name} must be a {'string' if kind is str else 'map'}")
    params = Params(
        raw.get("query"),
        raw.get("variables"),
        raw.get("operationName"),
        raw.get("extensions"),
        raw.get("documentId"),
    )
    check_input(params.query, params.variables)
    return params


def check_values(variables: Any) -> None:
    """Variables, bounded before any parsing of the document: at most MAX_VARIABLE_DEPTH
    levels of nesting and MAX_VARIABLE_VALUES values in all (no input of the schema comes
    near either: these only stop a request from costing its size), no NUL. A loop, not a
    recursion: a deep value must not exhaust the stack."""
    pending, count = [(variables, 0)], 0
    while pending:
        value, depth = pending.pop()
        count += 1
        if count > MAX_VARIABLE_VALUES:
            raise RequestError(
                400, f"more than {MAX_VARIABLE_VALUES} values in the variables", "BAD_USER_INPUT"
            )
        if isinstance(value, str) and NUL in value:
            raise RequestError(400, "NUL characters are not allowed", "BAD_USER_INPUT")
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            if depth == MAX_VARIABLE_DEPTH:
                raise RequestError(
                    400,
                    f"variables nest deeper than {MAX_VARIABLE_DEPTH} levels",
                    "BAD_USER_INPUT",
                )
            pending.extend((child, depth + 1) for child in children)


def nul_in_literals(query: str) -> bool:
    """A NUL in the document: raw, or written as an escape in a string literal (`\\u0000`,
    `\\u{0}`), which only the parser can tell from an escaped backslash followed by `u0000`."""
    if NUL in query:
        return True
    if "\\u" not in query:
        return False
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return False  # the syntax error, or the size, is reported as such
    found = False

    class Strings(Visitor):
        def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
            nonlocal found
            found = NUL in node.value
            return BREAK if found else None

    visit(document, Strings())
    return found


def check_input(query: str | None, variables: Any) -> None:
    """The variables bounded (`check_values`), then NUL characters, which have no meaning in
    this API and databases treat badly (SQLite's LIKE stops at one, PostgreSQL rejects them),
    refused in the document too."""
    check_values(variables)
    if query and nul_in_literals(query):
        raise RequestError(400, "NUL characters are not allowed", "BAD_USER_INPUT")


class PersistedQueries:
    """Persisted documents by `documentId` and Apollo's Automatic Persisted Queries: trusted
    documents (saved queries and manifests, `server/trusted.py`) known by every id for every
    caller, others registered per account once their document validates. Registrations live
    in the shared store (`server/shared.py`: the database, or Redis) so that the next request
    may reach any process; each process keeps an LRU of the ones it has seen.

    Per account, because a hash is a question about a text: a global store would tell any
    caller whether someone else had run that text, and let one account fill it for all. So an
    anonymous caller registers nothing and finds only saved queries; a hash another account
    registered answers PERSISTED_QUERY_NOT_FOUND, exactly as one nobody registered; and past
    MAX_PER_ACCOUNT a document still runs, unregistered, without touching other accounts."""

    def __init__(
        self,
        trusted: TrustedDocuments,
        shared: Shared,
        *,
        allow_list: bool,
        counted: Callable[[str], Any] | None = None,
    ) -> None:
        self.trusted = trusted
        self.shared = shared
        self.allow_list = allow_list
        self.cache: OrderedDict[tuple[int, str], str] = OrderedDict()
        self.counted = counted  # told "hit", "miss" or "registered" (the metrics)

    def count(self, result: str) -> None:
        if self.counted is not None:
            self.counted(result)

    def remember(self, key: tuple[int, str], query: str) -> None:
        self.cache[key] = query
        self.cache.move_to_end(key)
        while len(self.cache) > APQ_CACHE_SIZE:
            self.cache.popitem(last=False)

    async def lookup(self, account: int, digest: str) -> str | None:
        """A document `account` registered: this process's LRU, else the shared store (a
        store that does not answer is a miss: the client sends the text again)."""
        key = (account, digest)
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        try:
            stored = await self.shared.document(account, digest)
        except Exception:
            log.exception("could not look up the persisted query %s", digest)
            return None
        if stored is not None:
            self.remember(key, stored)
        return stored

    async def resolve(self, params: Params, account: int | None) -> tuple[str, str | None]:
        """(query text, hash to register after validation or None) for a caller (`account`
        None: not authenticated)."""
        pq = (params.extensions or {}).get("persistedQuery")
        if params.document_id is not None:
            if params.query is not None or pq is not None:
                raise RequestError(400, "send one of documentId, query and persistedQuery")
            return self.identified(params.document_id), None
        if pq is None:
            if params.query is None:
                raise RequestError(400, "the query parameter is required")
            if self.allow_list and not self.trusted.allows(params.query):
                raise RequestError(400, REQUIRED, "PERSISTED_QUERY_REQUIRED")
            return params.query, None
        if (
            not isinstance(pq, dict)
            or pq.get("version") != 1
            or not isinstance(pq.get("sha256Hash"), str)
        ):
            raise RequestError(400, "unsupported persisted query version")
        digest = pq["sha256Hash"]
        if params.query is None:
            known = self.trusted.document(digest)
            if known is None and account is not None and not self.allow_list:
                known = await self.lookup(account, digest)
            self.count("miss" if known is None else "hit")
            if known is None:
                raise RequestError(200, "PersistedQueryNotFound", NOT_FOUND)
            return known, None
        if sha256(params.query) != digest:
            raise RequestError(400, "provided sha does not match query")
        trusted = self.trusted.document(digest) is not None
        if self.allow_list and not trusted:
            raise RequestError(400, REQUIRED, "PERSISTED_QUERY_REQUIRED")
        if account is None or trusted:
            return params.query, None  # nothing to register: anonymous, or trusted already
        return params.query, digest

    def identified(self, document_id: str) -> str:
        """The trusted document a `documentId` names, for every caller. Unknown: a 400 with
        PERSISTED_QUERY_NOT_FOUND (no retry with the text follows, unlike APQ's 200: the
        client's build is not the one deployed)."""
        known = self.trusted.document(document_id)
        self.count("miss" if known is None else "hit")
        if known is None:
            raise RequestError(400, "no trusted document has this documentId", NOT_FOUND)
        return known

    async def register(self, account: int, digest: str, query: str) -> None:
        """Store a validated document under its hash for `account`, for every process. The
        operation has run: a failure here is logged, never the caller's error."""
        key = (account, digest)
        if key in self.cache:
            return
        try:
            stored = await self.shared.register(account, digest, query, clock().now())
        except Exception:
            log.exception("could not store the persisted query %s", digest)
            return
        if stored:  # else the account's quota is full, or it was stored meanwhile
            self.count("registered")
            self.remember(key, query)


def is_request_error(result: ExecutionResult) -> bool:
    """Parse and validation failures (and refusals before execution): no data, no paths."""
    return (
        result.data is None
        and bool(result.errors)
        and all(e.path is None for e in result.errors or ())
    )


def body_of(result: ExecutionResult) -> dict[str, Any]:
    body: dict[str, Any] = {} if is_request_error(result) else {"data": result.data}
    if result.errors:
        body["errors"] = [e.formatted for e in result.errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return body


async def execute(
    schema: strawberry.Schema,
    ctx: Context,
    query: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    *,
    allow_mutations: bool,
) -> ExecutionResult:
    """Run one operation; a mutation where only queries are allowed is a 405."""
    allowed = (
        {OperationType.QUERY, OperationType.MUTATION} if allow_mutations else {OperationType.QUERY}
    )
    note(ctx, operation_name or named_operation(query))
    try:
        result = await schema.execute(
            query,
            variable_values=variables,
            context_value=ctx,
            operation_name=operation_name,
            allowed_operation_types=allowed,
        )
    except InvalidOperationTypeError:
        raise RequestError(
            405, "mutations are not allowed over GET", headers={"Allow": "POST"}
        ) from None
    except CannotGetOperationTypeError:
        raise RequestError(400, "no operation of that name in the document") from None
    await ctx.settle()
    note(ctx, None, result.errors)
    return result


OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


def named_operation(query: str) -> str | None:
    """The first operation's name, for the request log (no parse needed)."""
    found = OPERATION.search(query)
    return found[1] if found else None


def note(ctx: Context, operation: str | None, errors: list[GraphQLError] | None = None) -> None:
    """What the request log line says of this request: account, operation, error codes."""
    request = ctx.request
    if request is None:
        return
    state = request.state
    if ctx.principal is not None:
        state.account = ctx.principal.username
    if operation:
        state.operation = operation
    if errors:
        state.error_codes = sorted(
            {str((e.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")) for e in errors}
        )


def result_response(result: ExecutionResult, status: int, refused: int, media: str) -> Response:
    """The result as JSON; one past MAX_RESPONSE_BYTES is refused with status `refused` (a
    backstop behind the node budget: rows wider than it reckons)."""
    body = encode(body_of(result))
    if len(body) > MAX_RESPONSE_BYTES:
        message = f"the response would exceed {MAX_RESPONSE_BYTES} bytes: request smaller pages"
        return error_response(RequestError(refused, message, "RESPONSE_TOO_LARGE"), media)
    return Response(body, status, media_type=media)


def error_response(e: RequestError, media: str = JSON) -> Response:
    error = GraphQLError(e.message, extensions={"code": e.code})
    return Response(
        encode({"errors": [error.formatted]}), e.status, headers=e.headers, media_type=media
    )


class GraphQLEndpoint:
    """The `/graphql` route."""

    def __init__(
        self,
        schema: strawberry.Schema,
        persisted: PersistedQueries,
        context: ContextFactory,
        *,
        graphiql: bool,
        splice: bool = False,
    ) -> None:
        self.schema = schema
        self.splice = splice  # fields may answer with their JSON text (`Context.splice`)
        self.direct = DirectRoute(schema) if splice else None  # and then skip strawberry
        self.persisted = persisted
        self.context = context
        self.graphiql = graphiql

    async def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            return Response(status_code=405, headers={"Allow": "GET, POST"})
        accept = request.headers.get("accept", "")
        if (
            self.graphiql
            and request.method == "GET"
            and "text/html" in accept
            and not {"query", "documentId"} & request.query_params.keys()
        ):
            return graphiql_page()
        media = negotiate(accept)
        if media is None:
            return Response(
                encode(
                    {"errors": [{"message": "acceptable types: " + JSON + ", " + GRAPHQL_RESPONSE}]}
                ),
                406,
                media_type=JSON,
            )
        try:
            params = await read_params(request)  # bounded before the document is parsed
            ctx = await self.context(request)  # the caller known before any work on the query
            ctx.splice = self.splice
            account = ctx.principal.account_id if ctx.principal else None
            query, register = await self.persisted.resolve(params, account)
            result = await self.run(ctx, query, params, allow_mutations=request.method == "POST")
        except RequestError as e:
            return error_response(e, media)
        if register and account is not None and not is_request_error(result):
            await self.persisted.register(account, register, query)
        refused = 400 if media == GRAPHQL_RESPONSE else 200
        return result_response(result, refused if is_request_error(result) else 200, refused, media)

    async def run(
        self, ctx: Context, query: str, params: Params, *, allow_mutations: bool
    ) -> ExecutionResult:
        """The compiled route where it answers (`server/direct.py`), else strawberry's."""
        name = params.operation_name
        if self.direct is not None:
            direct = await self.direct.answer(ctx, query, params.variables, name)
            if direct is not None:
                note(ctx, name or named_operation(query))
                return direct
        result = await execute(
            self.schema, ctx, query, params.variables, name, allow_mutations=allow_mutations
        )
        if self.direct is not None:
            self.direct.learn(query, name, result)
        return result
