"""What `GET /queries` and `GET /queries/openapi.json` say about the saved queries: each
variable's description, format and whether a caller must give it, and each table's columns."""

from typing import Any

from server.layout import Layout, variable_notes
from server.saved_queries import Registry, SavedQuery, Variable

# the format of a variable whose type says it, where the file gives none
TYPE_FORMATS = {
    "ID": "a global ID (as `id` fields return it)",
    "Int": "a whole number",
    "Float": "a number",
    "Boolean": "true or false",
}
# a variable's JSON Schema in OpenAPI, by its GraphQL type
TYPE_SCHEMAS: dict[str, dict[str, Any]] = {
    "Int": {"type": "integer"},
    "Float": {"type": "number"},
    "Boolean": {"type": "boolean"},
}
CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def required(variable: Variable) -> bool:
    """Non-null without a default, and not an organisation that defaults to the caller's scope."""
    return variable.type.endswith("!") and variable.default is None and not variable.scope_typed


def catalogue_entry(saved: SavedQuery, shape: Layout) -> dict[str, Any]:
    notes = variable_notes(saved)
    entry = saved.catalogue_entry()
    for variable, listed in zip(saved.variables, entry["variables"], strict=True):
        note = notes.get(variable.name)
        listed["description"] = note.description if note else None
        listed["format"] = (note.format if note else None) or TYPE_FORMATS.get(variable.base)
        listed["required"] = required(variable)
    entry["connections"] = [
        {"path": c.path, "columns": [column.entry() for column in c.columns]}
        for c in shape.connections
    ]
    entry["summary"] = [column.entry() for column in shape.summary]
    return entry


def _parameter(listed: dict[str, Any], variable: Variable) -> dict[str, Any]:
    schema = dict(TYPE_SCHEMAS.get(variable.base, {"type": "string"}))
    if variable.is_list:
        schema = {"type": "array", "items": schema}
    description = " — ".join(p for p in (listed["description"], listed["format"]) if p)
    return {
        "name": variable.name,
        "in": "query",
        "required": listed["required"],
        "description": description or variable.type,
        "schema": schema,
        **({"explode": True, "style": "form"} if variable.is_list else {}),
    }


def _choice(name: str, values: list[str], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "enum": values},
    }


def _operation(saved: SavedQuery, entry: dict[str, Any]) -> dict[str, Any]:
    connections = [c["path"] for c in entry["connections"]]
    listed = zip(entry["variables"], saved.variables, strict=True)
    parameters = [_parameter(e, v) for e, v in listed]
    parameters += [
        _choice("format", ["json", "csv", "xlsx"], "json (default), csv or xlsx (Excel)"),
        _choice("labels", ["zh"], "zh: Chinese headers and enum labels in csv and xlsx"),
        _choice("bom", ["1"], "1: a UTF-8 byte-order mark before the CSV"),
        _choice("summary", ["1"], "1: the figures outside the table, as one CSV row"),
    ]
    if connections:
        parameters.append(
            _choice("connection", connections, "the table to export (the first by default)")
        )
    error = {
        "description": "a plain message in csv and xlsx",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
    return {
        "operationId": saved.name,
        "summary": saved.name,
        "description": saved.description,
        "tags": [saved.area],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "the result (json), or the table (csv, xlsx)",
                "headers": {
                    "X-Total-Count": _header("rows in the whole list, in your scope", "integer"),
                    "X-Truncated": _header("true when rows were left out", "string"),
                    "X-Row-Limit": _header("rows exported, when truncated", "integer"),
                },
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    CSV: {"schema": {"type": "string"}},
                    XLSX: {"schema": {"type": "string", "contentEncoding": "binary"}},
                },
            },
            **{status: error for status in ("400", "401", "404")},
        },
    }


def _header(description: str, kind: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": kind}}


def openapi(registry: Registry, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """An OpenAPI 3.1 document with one path per saved query."""
    paths: dict[str, Any] = {
        "/queries": {
            "get": {
                "operationId": "catalogue",
                "summary": "The saved queries, their variables and columns",
                "security": [],
                "responses": {
                    "200": {
                        "description": "the catalogue",
                        "content": {"application/json": {"schema": {"type": "array"}}},
                    }
                },
            }
        }
    }
    for entry in entries:
        saved = registry.by_name[entry["name"]]
        paths[f"/queries/{saved.name}"] = {"get": _operation(saved, entry)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "dangjian saved queries", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
