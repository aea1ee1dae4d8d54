"""`GET /queries` (the catalogue) and `GET /queries/<name>` (run as the caller, JSON or CSV)."""

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from authz.principal import Principal
from resolvers.context import Context
from resolvers.ids import to_global_id
from server.csv_export import encode_rows, first_connection, rows_of
from server.graphql_http import (
    ContextFactory,
    RequestError,
    body_of,
    encode,
    error_response,
    execute,
    is_request_error,
    refuse_nul,
)
from server.saved_queries import Registry, SavedQuery, Variable

CSV_ROW_CAP = 10_000
RESERVED = {"format", "bom"}
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
            return json.loads(text)
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
    refuse_nul(None, dict(values))
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
    return out


class SavedQueryRoutes:
    def __init__(
        self, schema: strawberry.Schema, registry: Registry, context: ContextFactory
    ) -> None:
        self.schema = schema
        self.registry = registry
        self.context = context

    async def catalogue(self, _: Request) -> Response:
        return JSONResponse([q.catalogue_entry() for q in self.registry.by_name.values()])

    async def run(self, request: Request) -> Response:
        saved = self.registry.by_name.get(request.path_params["name"])
        if saved is None:
            return error_response(RequestError(404, "no saved query of that name", "NOT_FOUND"))
        wants_csv = request.query_params.get(
            "format"
        ) == "csv" or "text/csv" in request.headers.get("accept", "")
        try:
            ctx = await self.context(request)
            if ctx.principal is None:
                raise RequestError(
                    401, ctx.auth_error or "authentication required", "UNAUTHENTICATED"
                )
            values = {k: request.query_params.getlist(k) for k in request.query_params}
            variables = coerce(saved, values, ctx.principal)
            result = await execute(
                self.schema, ctx, saved.document, variables, None, allow_mutations=False
            )
        except RequestError as e:
            return error_response(e)
        if not wants_csv or result.errors:
            status = 400 if is_request_error(result) else 200
            return Response(encode(body_of(result)), status, media_type="application/json")
        bom = request.query_params.get("bom") == "1"
        pages = self.pages(request, saved, variables, result.data)
        return StreamingResponse(
            encode_rows(pages, bom=bom),
            media_type="text/csv; charset=utf-8",
            headers={
                "X-Row-Cap": str(CSV_ROW_CAP),
                "Content-Disposition": f'attachment; filename="{saved.name}.csv"',
            },
        )

    async def pages(
        self, request: Request, saved: SavedQuery, variables: dict[str, Any], data: Any
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Rows of the first connection, following cursors (when the query takes `$after`)
        up to CSV_ROW_CAP rows."""
        pages_allowed = any(v.name == "after" for v in saved.variables)
        sent = 0
        while True:
            connection = first_connection(data)
            if connection is None:
                return
            rows = rows_of(connection)[: CSV_ROW_CAP - sent]
            sent += len(rows)
            yield rows
            info = connection.get("pageInfo") or {}
            if not (
                pages_allowed
                and info.get("hasNextPage")
                and info.get("endCursor")
                and sent < CSV_ROW_CAP
            ):
                return
            ctx: Context = await self.context(request)
            result = await execute(
                self.schema,
                ctx,
                saved.document,
                {**variables, "after": info["endCursor"]},
                None,
                allow_mutations=False,
            )
            if result.errors:
                return
            data = result.data
