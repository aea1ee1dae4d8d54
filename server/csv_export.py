"""A saved query's table as cells: CSV text and, in `server/xlsx_export.py`, typed Excel cells.
Each column is written by its GraphQL type, not guessed from its values."""

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from graphql import GraphQLEnumType

from server.layout import Column, enum_label

# what a spreadsheet would read as a number and so mangle: a leading zero dropped, digits past
# the 15th rounded (ID-card numbers), long ones shown as 1.38E+10 (phones)
NUMBERLIKE = re.compile(r"0\d+|\d{6,}")
YES_NO = {True: "是", False: "否"}


def header(column: Column, zh: bool) -> str:
    return (column.label or column.name) if zh else column.name


def scalar(column: Column, value: Any, zh: bool) -> Any:
    """One value as the table shows it: booleans `true`/`false` (是/否), enums by name (or
    their Chinese label), the rest as the API sent it (dates ISO 8601)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return YES_NO[value] if zh else str(value).lower()
    if zh and isinstance(column.type, GraphQLEnumType):
        return enum_label(column.type, value)
    return value


def text_cell(column: Column, value: Any, zh: bool) -> str:
    """A CSV field. A string of digits gets a leading tab, which spreadsheets (LibreOffice,
    Excel) keep as text and pandas strips when it reads the column as numbers."""
    values = value if column.is_list else [value]
    shown = [scalar(column, v, zh) for v in values]
    text = "; ".join("" if v is None else str(v) for v in shown)
    if column.type.name == "String" and NUMBERLIKE.fullmatch(text):
        return "\t" + text
    return text


def encode_csv(columns: Sequence[Column], rows: Sequence[Any], *, zh: bool, bom: bool) -> str:
    """The header (always, from the selection) and one line per row."""
    buffer = io.StringIO()
    buffer.write("\ufeff" if bom else "")
    writer = csv.writer(buffer)
    writer.writerow([header(c, zh) for c in columns])
    for row in rows:
        writer.writerow([text_cell(c, c.pick(row), zh) for c in columns])
    return buffer.getvalue()
