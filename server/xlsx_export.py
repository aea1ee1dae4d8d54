"""A saved query's table as an Excel workbook (openpyxl): typed cells, a frozen header row,
money in fen and in yuan, and a second sheet with the query's figures outside the table."""

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from server.csv_export import header, scalar
from server.layout import Column

YUAN = "0.00"
SHEETS = {False: ("Data", "Summary"), True: ("数据", "汇总")}


def _typed(column: Column, value: Any, zh: bool) -> Any:
    """Dates as dates and moments as the business-time wall clock (Excel has no offsets),
    numbers as numbers, digits of a String as text."""
    if column.is_list:
        return "; ".join("" if v is None else str(scalar(column, v, zh)) for v in value)
    if value is None:
        return None
    if column.type.name == "Date":
        return dt.date.fromisoformat(value)
    if column.type.name == "DateTime":
        return dt.datetime.fromisoformat(value).replace(tzinfo=None)
    if isinstance(value, bool) and not zh:
        return value
    return scalar(column, value, zh)


def _is_money(column: Column) -> bool:
    return column.name.endswith("Fen") and column.type.name == "Int" and not column.is_list


FORMATS = {"Date": "yyyy-mm-dd", "DateTime": "yyyy-mm-dd hh:mm:ss"}


def _write(sheet: Worksheet, columns: Sequence[Column], rows: Sequence[Any], zh: bool) -> None:
    headers: list[str] = []
    formats: list[str | None] = []
    for column in columns:
        headers.append(header(column, zh))
        formats.append(None if column.is_list else FORMATS.get(column.type.name))
        if _is_money(column):
            headers.append(f"{column.label}(元)" if zh and column.label else f"{column.name}:yuan")
            formats.append(YUAN)
    sheet.append(headers)
    for row in rows:
        cells: list[Any] = []
        for column in columns:
            value = column.pick(row)
            cells.append(_typed(column, value, zh))
            if _is_money(column):
                cells.append(None if value is None else round(value / 100, 2))
        sheet.append(cells)
        for cell, number_format in zip(sheet[sheet.max_row], formats, strict=True):
            if number_format:
                cell.number_format = number_format
    sheet.freeze_panes = "A2"


def encode_xlsx(
    columns: Sequence[Column],
    rows: Sequence[Any],
    summary: Sequence[Column],
    data: Any,
    *,
    zh: bool,
    truncated_at: int | None,
) -> bytes:
    """The rows on the first sheet, the summary (one row) on the second, with a note when the
    rows stopped at `truncated_at`."""
    book = Workbook()
    rows_sheet = book.active
    assert rows_sheet is not None  # a new workbook has its sheet
    rows_sheet.title, summary_title = SHEETS[zh]
    _write(rows_sheet, columns, rows, zh)
    summary_sheet = book.create_sheet(summary_title)
    _write(summary_sheet, summary, [data], zh)
    if truncated_at is not None:
        summary_sheet.append([])
        summary_sheet.append(
            [f"只导出前 {truncated_at} 行" if zh else f"truncated: the first {truncated_at} rows"]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
