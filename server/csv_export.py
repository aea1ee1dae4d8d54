"""CSV of the first connection of a GraphQL result: one row per `edges.node`, nested objects
as dotted column names."""

import csv
import io
from collections.abc import AsyncIterator
from typing import Any


def first_connection(data: Any) -> dict | None:
    """The first object holding an `edges` list, depth first in selection order."""
    if isinstance(data, dict):
        if isinstance(data.get("edges"), list):
            return data
        for value in data.values():
            found = first_connection(value)
            if found is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            found = first_connection(value)
            if found is not None:
                return found
    return None


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}, "c": [1, 2]}` → `{"a.b": 1, "c": "1; 2"}`."""
    if not isinstance(node, dict):
        return {prefix or "value": node}
    flat: dict[str, Any] = {}
    for key, value in node.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flatten(value, name))
        elif isinstance(value, list):
            flat[name] = "; ".join(str(v) for v in value)
        else:
            flat[name] = value
    return flat


def rows_of(connection: dict) -> list[dict[str, Any]]:
    return [flatten(edge.get("node")) for edge in connection["edges"]]


async def encode_rows(
    pages: AsyncIterator[list[dict[str, Any]]], *, bom: bool
) -> AsyncIterator[str]:
    """CSV text, page by page; the columns are those of the first page."""
    columns: list[str] | None = None
    async for rows in pages:
        buffer = io.StringIO()
        if columns is None:
            columns = list(rows[0]) if rows else []
            buffer.write("\ufeff" if bom else "")
            csv.writer(buffer).writerow(columns)
        writer = csv.DictWriter(buffer, columns, extrasaction="ignore")
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        yield buffer.getvalue()
