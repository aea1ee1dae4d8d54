"""`GET /queries` (the catalogue, and its OpenAPI document) and `GET /queries/<name>` (run as
the caller: JSON, CSV or Excel)."""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from authz.principal import Principal
from resolvers.context import Context
from resolvers.ids import to_global_id
from resolvers.pagination import MAX_FIRST
from server.catalogue import catalogue_entry, openapi
from server.csv_export import encode_csv
from server.graphql_http import (
    ContextFactory,
    RequestError,
    check_input,
    error_response,
    execute,
    is_request_error,
    result_response,
)
from server.layout import Connection, layout
from server.saved_queries import Registry, SavedQuery, Variable
from server.xlsx_export import encode_xlsx

CSV_ROW_CAP = 10_000
RESERVED = {"format", "bom", "connection", "labels", "summary"}
FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# an export's status by the error's code: never a 200 for a file that is not the table
STATUS = {
    "BAD_USER_INPUT": 400,
    "BAD_REQUEST": 400,
    "GRAPHQL_VALIDATION_FAILED": 400,
    "QUERY_TOO_COMPLEX": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "RESPONSE_TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "TIMEOUT": 504,
}
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def _scalar(variable: Variable, text: str) -> Any:
    base = variable.base
    try:
        if base == "Int":
            return int(text)
        if base == "Float":
            return float(text)
        if base == "Boolean":
            if text.lower() in TRUE | FALSE:
                return text.lower() in TRUE
            raise ValueError
        if variable.is_input_object:
            return orjson.loads(text)  # JSONDecodeError is a ValueError
    except ValueError:
        raise RequestError(
            400, f"variable {variable.name} must be a {base}", "BAD_USER_INPUT"
        ) from None
    return text


def coerce(
    saved: SavedQuery, values: Mapping[str, Sequence[str]], principal: Principal | None
) -> dict[str, Any]:
    """Variables from query-string text by their GraphQL types; scope-typed IDs default to
    the caller's own scope root."""
    known = {v.name: v for v in saved.variables}
    unknown = sorted(set(values) - set(known) - RESERVED)
    if unknown:
        raise RequestError(
            400, f"unknown variable {unknown[0]!r} for {saved.name}", "BAD_USER_INPUT"
        )
    out: dict[str, Any] = {}
    for name, variable in known.items():
        texts = values.get(name)
        if texts:
            if variable.is_list:
                out[name] = [_scalar(variable, t) for t in texts]
            else:
                out[name] = _scalar(variable, texts[-1])
        elif variable.scope_typed and principal is not None and principal.grants:
            out[name] = to_global_id("Organization", principal.grants[0].org_id)
        elif variable.type.endswith("!") and variable.default is None:
            raise RequestError(400, f"variable {name} is required", "BAD_USER_INPUT")
    check_input(None, out)
    return out


class SavedQueryRoutes:
    def __init__(
        self, schema: strawberry.Schema, registry: Registry, context: ContextFactory
    ) -> None:
        self.schema = schema
        self.registry = registry
        self.context = context
        self.layouts = {name: layout(q, schema) for name, q in registry.by_name.items()}
        self.catalogue_entries = [
            catalogue_entry(q, self.layouts[q.name]) for q in registry.by_name.values()
        ]
        self.openapi_document = openapi(registry, self.catalogue_entries)

    async def catalogue(self, _: Request) -> Response:
        return JSONResponse(self.catalogue_entries)

    async def openapi(self, _: Request) -> Response:
        return JSONResponse(self.openapi_document)

    async def run(self, request: Request) -> Response:
        params = request.query_params
        fmt = params.get("format") or (
            "csv" if "text/csv" in request.headers.get("accept", "") else "json"
        )
        if fmt not in FORMATS:
            return _refusal(
                RequestError(400, "format must be json, csv or xlsx", "BAD_USER_INPUT"), "csv"
            )
        saved = self.registry.by_name.get(request.path_params["name"])
        try:
            if saved is None:
                raise RequestError(404, "no saved query of that name", "NOT_FOUND")
            if fmt == "json":
                return await self.run_json(request, saved)
            return await self.export(request, saved, fmt)
        except RequestError as e:
            return _refusal(e, fmt)

    async def variables(self, request: Request, saved: SavedQuery) -> tuple[Context, dict]:
        ctx = await self.context(request)
        if ctx.principal is None:
            raise RequestError(401, ctx.auth_error or "authentication required", "UNAUTHENTICATED")
        values = {k: request.query_params.getlist(k) for k in request.query_params}
        return ctx, coerce(saved, values, ctx.principal)

    async def run_json(self, request: Request, saved: SavedQuery) -> Response:
        ctx, variables = await self.variables(request, saved)
        result = await execute(
            self.schema, ctx, saved.document, variables, None, allow_mutations=False
        )
        status = 400 if is_request_error(result) else 200
        return result_response(result, status, 400, "application/json")

    async def export(self, request: Request, saved: SavedQuery, fmt: str) -> Response:
        """Every page of one connection (`?connection=`, the first by default) as CSV or
        Excel; `?summary=1` in CSV is the query's other figures instead, as one row."""
        params = request.query_params
        shape = self.layouts[saved.name]
        connection = shape.connection(params.get("connection"))
        if connection is None:
            paths = ", ".join(c.path for c in shape.connections) or "none"
            raise RequestError(400, f"connection must be one of: {paths}", "BAD_USER_INPUT")
        ctx, variables = await self.variables(request, saved)
        if connection.first:
            variables[connection.first] = MAX_FIRST  # an export follows every page: few and full
        rows, data, more = await self.pages(request, ctx, saved, connection, variables)
        zh = params.get("labels") == "zh"
        total = (connection.find(data) or {}).get("totalCount")
        headers = {"Content-Disposition": f'attachment; filename="{saved.name}.{fmt}"'}
        if isinstance(total, int):
            headers["X-Total-Count"] = str(total)
        if more:
            headers |= {"X-Truncated": "true", "X-Row-Limit": str(len(rows))}
        if fmt == "xlsx":
            body = await run_in_threadpool(
                encode_xlsx,
                connection.columns,
                rows,
                shape.summary,
                data,
                zh=zh,
                truncated_at=len(rows) if more else None,
            )
            return Response(body, media_type=XLSX, headers=headers)
        bom = params.get("bom") == "1"
        if params.get("summary") == "1":
            text = encode_csv(shape.summary, [data], zh=zh, bom=bom)
        else:
            text = encode_csv(connection.columns, rows, zh=zh, bom=bom)
        return Response(text, media_type="text/csv; charset=utf-8", headers=headers)

    async def pages(
        self,
        request: Request,
        ctx: Context,
        saved: SavedQuery,
        connection: Connection,
        variables: dict[str, Any],
    ) -> tuple[list[Any], Any, bool]:
        """The nodes of `connection`, following its cursors (when its `after` is a variable)
        up to CSV_ROW_CAP rows: one execution per page of MAX_FIRST rows, whatever `first`
        the caller gave (it sizes pages, and an export reads them all). Returns the rows,
        the first page's data (the summary) and whether rows were left out. An error on any
        page fails the export: a short file would pass for a whole one."""
        rows: list[Any] = []
        first_data: Any = None
        while True:
            result = await execute(
                self.schema, ctx, saved.document, variables, None, allow_mutations=False
            )
            if result.errors:
                raise _as_request_error(result.errors[0])
            first_data = result.data if first_data is None else first_data
            page = connection.find(result.data) or {"edges": []}
            nodes = [edge.get("node") for edge in page["edges"]]
            taken = nodes[: CSV_ROW_CAP - len(rows)]
            rows.extend(taken)
            info = page.get("pageInfo") or {}
            more = len(taken) < len(nodes) or bool(info.get("hasNextPage"))
            after = connection.after
            if not (more and after and info.get("endCursor")) or len(rows) >= CSV_ROW_CAP:
                return rows, first_data, more
            ctx = await self.context(request)
            variables = {**variables, after: info["endCursor"]}


def _as_request_error(error: GraphQLError) -> RequestError:
    code = (error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")
    return RequestError(STATUS.get(code, 500), error.message, code)


def _refusal(e: RequestError, fmt: str) -> Response:
    """JSON clients get the GraphQL error body; a CSV or Excel client a plain message, so that
    no error is ever read as a table."""
    if fmt == "json":
        return error_response(e)
    return PlainTextResponse(f"{e.code}: {e.message}\n", e.status, headers=e.headers)
